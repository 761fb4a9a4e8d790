#!/usr/bin/env bash
# The SPEC.md evaluation steps through the load balancer of the compose
# cluster (docker-compose.cluster.yml): `make up-cluster`, ready within
# READY_BUDGET seconds, health, a bad and a good signature, a duplicate,
# seeded messages read back with every filter, /stats, /metrics of every
# replica, the JSON logs of every replica, then `make down-cluster` and the
# volume removed.
#
#   COMPOSE=podman-compose scripts/cluster-smoke.sh     (default: docker compose)
# WARNING: deletes the cluster's PostgreSQL volume before and after.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMPOSE=${COMPOSE:-docker compose}
FILE=docker-compose.cluster.yml
BASE=${BASE_URL:-http://127.0.0.1:8000}
READY_BUDGET=${READY_BUDGET:-15}
SECRET=testsecret
FAILED=0
[[ $COMPOSE == *podman* ]] && export BUILDAH_FORMAT=docker

compose() { (cd "$ROOT" && $COMPOSE -f "$FILE" "$@"); }
check() {  # name, then a command that must succeed
  local name=$1
  shift
  if "$@"; then printf 'PASS  %s\n' "$name"; else printf 'FAIL  %s  (%s)\n' "$name" "$*"; FAILED=$((FAILED + 1)); fi
}
servers_up() { curl -s "http://127.0.0.1:8404/stats;csv" | awk -F, '$1 == "replicas" && $2 ~ /^api/ && $18 == "UP"' | wc -l; }
sign() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //'; }
post() { curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/webhook" -H 'Content-Type: application/json' -H "X-Signature: $2" --data-binary "$1"; }
json() { curl -sf "$BASE$1"; }

compose down -v >/dev/null 2>&1 || true
export WEBHOOK_SECRET=$SECRET
started=$(date +%s)
(cd "$ROOT" && make up-cluster COMPOSE="$COMPOSE") >/tmp/cluster-smoke-up.log 2>&1 || { tail -20 /tmp/cluster-smoke-up.log; exit 1; }
up_done=$(date +%s)
ready=""
for _ in $(seq 600); do
  if curl -sf "$BASE/health/ready" >/dev/null; then ready=$(date +%s); break; fi
  sleep 0.1
done
check "ready through HAProxy within ${READY_BUDGET} s of 'up' returning ($(( ${ready:-9999} - up_done )) s; up took $((up_done - started)) s)" \
  test -n "$ready" -a $(( ${ready:-9999} - up_done )) -le "$READY_BUDGET"
# HAProxy counts a server as up before its first check: wait until all three
# replicas passed one, so that no seeded request meets a replica still
# connecting to a database initialised a moment ago.
for _ in $(seq 150); do [[ $(servers_up) == 3 ]] && break; sleep 0.1; done
check "three replicas up in HAProxy" test "$(servers_up)" = 3
check "GET /health/live" curl -sf "$BASE/health/live" -o /dev/null
check "GET /health/ready" curl -sf "$BASE/health/ready" -o /dev/null

body='{"message_id":"m1","from":"+919876543210","to":"+14155550100","ts":"2025-01-15T10:00:00Z","text":"Hello"}'
check "bad signature -> 401" test "$(post "$body" 123)" = 401
check "signed -> 200" test "$(post "$body" "$(sign "$body")")" = 200
check "duplicate -> 200" test "$(post "$body" "$(sign "$body")")" = 200
for i in 2 3 4; do
  b="{\"message_id\":\"m$i\",\"from\":\"+9198765432$i$i\",\"to\":\"+14155550100\",\"ts\":\"2025-01-15T0$((5 + i)):00:00Z\",\"text\":\"Hello $i\"}"
  check "seed m$i -> 200" test "$(post "$b" "$(sign "$b")")" = 200
done
check "GET /messages: 4 rows, ordered by ts" test "$(json /messages | jq -c '[.total, [.data[].message_id]]')" = '[4,["m2","m3","m4","m1"]]'
check "limit=2&offset=0" test "$(json '/messages?limit=2&offset=0' | jq -c '[.limit, .offset, (.data|length), .total]')" = '[2,0,2,4]'
check "from=+919876543210" test "$(json "/messages?from=+919876543210" | jq -c "[.total, .data[0].message_id]")" = '[1,"m1"]'
check "since=2025-01-15T09:30:00Z" test "$(json '/messages?since=2025-01-15T09:30:00Z' | jq -c '[.data[].message_id]')" = '["m1"]'
check "q=Hello" test "$(json '/messages?q=Hello' | jq .total)" = 4
check "/stats" test "$(json /stats | jq -c '[.total_messages, .senders_count, .first_message_ts, .last_message_ts]')" = \
  '[4,4,"2025-01-15T07:00:00Z","2025-01-15T10:00:00Z"]'
check "/metrics has http_requests_total and webhook_requests_total" \
  bash -c "curl -sf '$BASE/metrics' | grep -q '^http_requests_total' && curl -sf '$BASE/metrics' | grep -q '^webhook_requests_total'"

# Every replica's log: only JSON lines, each with its instance; the webhook
# lines carry message_id and dup.
engine=docker
[[ $COMPOSE == *podman* ]] && engine=podman
logs_dir=$(mktemp -d)
for replica in api1 api2 api3; do
  cid=$($engine ps -q --filter "label=com.docker.compose.service=$replica" | head -1)
  $engine logs "$cid" >"$logs_dir/$replica.jsonl" 2>&1 || true
  check "$replica: its log is JSON lines, each with instance=$replica" \
    jq -e -s "length > 0 and all(.[]; .instance == \"$replica\")" "$logs_dir/$replica.jsonl"
done
check "webhook lines have message_id and dup (over all replicas: m1 answered 200 twice, once dup=true)" \
  test "$(cat "$logs_dir"/*.jsonl | jq -cs '[.[] | select(.message_id == "m1" and .status == 200) | .dup] | sort')" = '[false,true]'

(cd "$ROOT" && make down-cluster COMPOSE="$COMPOSE") >/dev/null 2>&1
compose down -v >/dev/null 2>&1 || true
((FAILED == 0)) && echo "cluster smoke: all passed" || echo "cluster smoke: $FAILED failed"
((FAILED == 0))
