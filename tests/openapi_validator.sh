#!/usr/bin/env bash
# The OpenAPI document webhookd serves, checked by an independent validator:
# @seriousme/openapi-schema-validator, which validates a document against the
# OpenAPI Initiative's published JSON Schema for 3.1 and resolves every $ref.
# It runs on the real binary with every optional route switched on, so the
# whole document is checked, and once with the defaults. Loopback only; stops
# what it started, by PID.
#
# usage: tests/openapi_validator.sh path/to/webhookd TOOLS_DIR
set -euo pipefail

binary=${1:?usage: $0 path/to/webhookd TOOLS_DIR}
tools=${2:?usage: $0 path/to/webhookd TOOLS_DIR}
validator_version=2.11.0
validator="$tools/node_modules/@seriousme/openapi-schema-validator/bin/validate-api-cli.js"

for tool in node npm curl; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/install-deps.sh test)"; exit 1; }
done
# Installed once per build tree, at the pinned version (npm's cache keeps it for the next tree).
if [[ ! -f "$validator" ]] || ! grep -q "\"version\": \"$validator_version\"" \
    "$tools/node_modules/@seriousme/openapi-schema-validator/package.json"; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --ignore-scripts --silent \
    "@seriousme/openapi-schema-validator@$validator_version" >/dev/null
fi

work=$(mktemp -d /tmp/webhookd-openapi-XXXXXX)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# usage: check NAME ENV...: serve with ENV, fetch /openapi.json, validate it.
check() {
  local name=$1
  shift
  local port
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    env "$@" HOST=127.0.0.1 PORT="$port" DATABASE_URL="sqlite:///$work/$name.db" "$binary" >"$work/$name.log" &
    pid=$!
    local deadline=$((SECONDS + 10))
    until curl -sf -o "$work/$name.json" "http://127.0.0.1:$port/openapi.json"; do
      ((SECONDS < deadline)) || break
      sleep 0.1
    done
    [[ -s "$work/$name.json" ]] && break
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
    ((attempt < 5)) || { echo "FAIL: $name: webhookd did not serve /openapi.json"; exit 1; }
  done
  kill "$pid"
  wait "$pid" || true
  pid=
  if ! node "$validator" "$work/$name.json" >"$work/$name.result"; then
    echo "FAIL: $name: the validator rejects /openapi.json:"
    cat "$work/$name.result"
    exit 1
  fi
  grep -q '"valid": true' "$work/$name.result" || { echo "FAIL: $name: no verdict"; cat "$work/$name.result"; exit 1; }
  echo "ok: $name: /openapi.json ($(wc -c <"$work/$name.json") bytes, $(grep -o '"operationId"' "$work/$name.json" | wc -l) operations) is valid OpenAPI $(grep -o '"openapi":"[^"]*"' "$work/$name.json")"
}

check all-routes WEBHOOK_SECRET=s DEBUG_ENDPOINTS=1 WEBHOOKD_BENCH_ROUTES=1 WHATSAPP_APP_SECRET=a WHATSAPP_VERIFY_TOKEN=t
check defaults WEBHOOK_SECRET=s
check no-docs WEBHOOK_SECRET=s DOCS_ENDPOINTS=0
