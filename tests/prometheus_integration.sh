#!/usr/bin/env bash
# A real Prometheus server scrapes a real webhookd under a short load; its
# HTTP API must then hold the expected series and values. Loopback only,
# bounded in time; stops what it started, by PID.
#
# usage: tests/prometheus_integration.sh path/to/webhookd
set -euo pipefail

binary=${1:?usage: $0 path/to/webhookd}
for tool in prometheus promtool curl jq openssl; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/install-deps.sh test)"; exit 1; }
done

work=$(mktemp -d /tmp/webhookd-prom-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {  # a random port below the kernel's ephemeral range that nobody answers on
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
fail() { echo "FAIL: $*"; echo "--- webhookd log tail"; tail -5 "$work/webhookd.log" || true; echo "--- prometheus log tail"; tail -5 "$work/prometheus.log" || true; exit 1; }
wait_http() {  # url, seconds
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

secret=prom-test-secret
# A port can still be taken between the probe and the bind: try a few.
for attempt in 1 2 3 4 5; do
  app_port=$(free_port)
  WEBHOOK_SECRET=$secret DATABASE_URL="sqlite:///$work/app.db" HOST=127.0.0.1 PORT=$app_port \
    "$binary" >"$work/webhookd.log" &
  app_pid=$!
  wait_http "http://127.0.0.1:$app_port/health/ready" 10 && break
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  ((attempt < 5)) || fail "webhookd not ready"
done
pids+=("$app_pid")

prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: webhookd
    static_configs:
      - targets: ["127.0.0.1:$app_port"]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" 30 || fail "prometheus not ready"

# Load: 200 unique signed messages from 8 parallel clients, 20 duplicates, 5 bad signatures.
sign() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}'; }
send() {
  local body="{\"message_id\":\"prom-$1\",\"from\":\"+1555000$(($1 % 7))\",\"to\":\"+14155550100\",\"ts\":\"2025-01-15T10:00:00Z\",\"text\":\"load $1\"}"
  curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "X-Signature: $(sign "$body")" \
    --data-binary "$body" "http://127.0.0.1:$app_port/webhook"
}
export -f sign send
export secret app_port
codes=$(seq 1 200 | xargs -P 8 -I{} bash -c 'send {}')
[[ $(grep -c '^200$' <<<"$codes") == 200 ]] || fail "not every unique webhook got 200"
seq 1 20 | xargs -P 4 -I{} bash -c 'send {}' >/dev/null
for _ in 1 2 3 4 5; do
  curl -s -o /dev/null -X POST -H 'X-Signature: 123' --data-binary '{}' "http://127.0.0.1:$app_port/webhook"
done

# The exposition itself passes promtool.
curl -sf "http://127.0.0.1:$app_port/metrics" >"$work/metrics.txt"
promtool check metrics <"$work/metrics.txt" >"$work/promtool.txt" 2>&1 || { cat "$work/promtool.txt"; fail "promtool check metrics"; }
[[ ! -s "$work/promtool.txt" ]] || { cat "$work/promtool.txt"; fail "promtool reported problems"; }

query() {  # PromQL -> the first sample's value, or empty
  curl -sf --get --data-urlencode "query=$1" "http://127.0.0.1:$prom_port/api/v1/query" |
    jq -r '.data.result[0].value[1] // empty'
}
expect() {  # PromQL, expected value: waits for scrapes to catch up (bounded)
  local deadline=$((SECONDS + 15)) got
  while :; do
    got=$(query "$1")
    [[ "$got" == "$2" ]] && { echo "PASS: $1 = $got"; return 0; }
    ((SECONDS < deadline)) || fail "$1: expected $2, got '${got}'"
    sleep 0.5
  done
}
expect 'up{job="webhookd"}' 1
expect 'webhook_requests_total{result="created"}' 200
expect 'webhook_requests_total{result="duplicate"}' 20
expect 'webhook_requests_total{result="invalid_signature"}' 5
expect 'webhookd_storage_rows' 200
expect 'sum(http_requests_total{path="/webhook",status="200"})' 220
# The storage actor's mailbox series arrived and is back to zero once idle.
expect 'webhookd_actor_mailbox_depth{actor="storage"}' 0
expect 'count(webhookd_actor_messages_handled_total{actor="storage"} > 0)' 1
echo "prometheus integration: all checks passed"
