#!/usr/bin/env bash
# Throughput through HAProxy with 1 and with 3 webhookd replicas on one
# PostgreSQL 15, in one run (README "Running several replicas"): unique
# ingest and random-offset reads, wrk on loopback, Release build. Each phase
# also reports the CPU every part spent per request (webhookd replicas,
# PostgreSQL, HAProxy), from /proc, which is what predicts more cores.
#
#   bash bench/cluster.sh                  (BENCH_SKIP_BUILD=1 reuses build-release/)
#   CLUSTER_SECONDS=10 CLUSTER_CONNS=64 CLUSTER_REPLICAS="1 3"
#
# Everything it starts (PostgreSQL in a temp dir, the replicas, HAProxy)
# listens on 127.0.0.1 and is stopped, by PID, when it ends.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_PER_PHASE=${CLUSTER_SECONDS:-10}
CONNS=${CLUSTER_CONNS:-64}
REPLICA_SETS=${CLUSTER_REPLICAS:-"1 3"}
BUILD=build-release
SECRET=cluster-bench-secret
OUT=${CLUSTER_OUT:-bench/results/cluster.md}
WORK=$(mktemp -d /tmp/webhookd-cluster-bench.XXXXXX)
chmod 755 "$WORK"
install -d -o postgres -g postgres -m 0700 "$WORK/pg"
PG_BIN=/usr/lib/postgresql/15/bin
PIDS=()

log() { printf '[cluster %s] %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [[ -f $WORK/pg/postmaster.pid ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# pick_port: a free loopback port, as bench/run.sh picks its server's.
source bench/lib/server.sh
free_port() { pick_port; }
cpu_ticks() { local sum=0 pid; for pid in "$@"; do sum=$((sum + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0))); done; echo $sum; }
pg_pids() { local pm; pm=$(head -1 "$WORK/pg/postmaster.pid"); echo "$pm"; pgrep -P "$pm" || true; }

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j2 --target webhookd make_requests >/dev/null
fi

# PostgreSQL with its defaults (fsync and synchronous_commit on).
PG_PORT=$(free_port)
runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w \
  -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_connections=200" start >/dev/null

TICK=$(getconf CLK_TCK)
{
  echo "# Cluster throughput through HAProxy, $(date -u +%F) ($(nproc) cores)"
  echo
  echo "\`bash bench/cluster.sh\` (${SECONDS_PER_PHASE} s per phase, ${CONNS} connections, wrk on loopback, Release)."
  echo "CPU ms per request: webhookd (all replicas) / PostgreSQL / HAProxy."
  echo
  echo "| replicas | phase | req/s | p99 | webhookd CPU ms/req | PostgreSQL CPU ms/req | HAProxy CPU ms/req |"
  echo "|---:|---|---:|---:|---:|---:|---:|"
} >"$WORK/report.md"

for replicas in $REPLICA_SETS; do
  db="bench_$replicas"
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -XAtq -c "CREATE DATABASE $db" >/dev/null
  url="postgresql://postgres@127.0.0.1:$PG_PORT/$db"
  LB=$(free_port)
  STATS=$(free_port)
  cfg=$(sed "s/bind :8000/bind 127.0.0.1:$LB/; s/bind :8404/bind 127.0.0.1:$STATS/" docker/haproxy/haproxy.cfg)
  WEBHOOKD=()
  for i in 1 2 3; do
    if ((i > replicas)); then
      cfg=$(grep -v "server api$i " <<<"$cfg")
      continue
    fi
    port=$(free_port)
    cfg=${cfg/api$i:8000/127.0.0.1:$port}
    DATABASE_URL=$url WEBHOOK_SECRET=$SECRET HOST=127.0.0.1 PORT=$port INSTANCE_NAME=api$i LOG_LEVEL=ERROR \
      "$BUILD/webhookd" >/dev/null &
    WEBHOOKD+=($!)
    PIDS+=($!)
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
  done
  printf '%s\n' "$cfg" >"$WORK/haproxy-$replicas.cfg"
  haproxy -f "$WORK/haproxy-$replicas.cfg" >"$WORK/haproxy-$replicas.log" 2>&1 &
  HAPROXY=$!
  PIDS+=($HAPROXY)
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$LB/health/ready" >/dev/null && break; sleep 0.1; done
  sleep 1

  lines=$((SECONDS_PER_PHASE * 40000))
  "$BUILD/make_requests" --count "$lines" --out "$WORK/unique-$replicas.tsv" --secret "$SECRET" \
    --prefix "c$replicas" --shards 2 >/dev/null
  for phase in ingest offset; do
    mapfile -t pg < <(pg_pids | sort -u)
    before=($(cpu_ticks "${WEBHOOKD[@]}") $(cpu_ticks "${pg[@]}") $(cpu_ticks "$HAPROXY"))
    if [[ $phase == ingest ]]; then
      wrk -t2 -c"$CONNS" -d"${SECONDS_PER_PHASE}s" --latency -s bench/ingest.lua "http://127.0.0.1:$LB" \
        -- file="$WORK/unique-$replicas.tsv" threads=2 >"$WORK/wrk-$replicas-$phase.log" 2>&1
    else
      rows=$(psql "$url" -XAtq -c "SELECT count(*) FROM messages")
      wrk -t2 -c"$CONNS" -d"${SECONDS_PER_PHASE}s" --latency -s bench/get_random.lua "http://127.0.0.1:$LB" \
        -- kind=offset rows="$rows" >"$WORK/wrk-$replicas-$phase.log" 2>&1
    fi
    mapfile -t pg < <(pg_pids | sort -u)
    after=($(cpu_ticks "${WEBHOOKD[@]}") $(cpu_ticks "${pg[@]}") $(cpu_ticks "$HAPROXY"))
    requests=$(awk '/requests in/ {print $1}' "$WORK/wrk-$replicas-$phase.log")
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$WORK/wrk-$replicas-$phase.log")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk-$replicas-$phase.log")
    per() { awk -v d="$1" -v n="$requests" -v t="$TICK" 'BEGIN { printf "%.3f", d * 1000 / t / n }'; }
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$replicas" \
      "$([[ $phase == ingest ]] && echo "unique ingest" || echo "GET limit=100&offset=random")" "$rps" "$p99" \
      "$(per $((after[0] - before[0])))" "$(per $((after[1] - before[1])))" "$(per $((after[2] - before[2])))" \
      >>"$WORK/report.md"
    log "$replicas replica(s), $phase: $rps req/s, p99 $p99"
  done
  rows=$(psql "$url" -XAtq -c "SELECT count(*) FROM messages")
  log "$replicas replica(s): $rows rows stored"
  kill -TERM "${WEBHOOKD[@]}" "$HAPROXY" 2>/dev/null || true
  wait "${WEBHOOKD[@]}" "$HAPROXY" 2>/dev/null || true
  PIDS=()
done

cp "$WORK/report.md" "$OUT"
cat "$OUT"
