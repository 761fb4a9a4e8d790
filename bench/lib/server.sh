# bench/run.sh stage: the server under test — start (on a free loopback
# port), stop (SIGTERM, exit status checked), the memory sampler, metrics,
# and waiting until the server has gone quiet between phases.

port_is_free() {
  if command -v ss >/dev/null; then
    [[ -z $(ss -Htln "sport = :$1" 2>/dev/null) ]]
  else
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

pick_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if port_is_free "$p"; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# start_server logfile [timeout_seconds]: starts the server on $DB, writing
# its stdout to logfile; sets SERVER_PID, PORT, BASE, SERVER_T0_NS (exec) and
# READY_MS (exec to first 200 on /health/ready). The timeout (30 s unless
# given) covers a migration at the first start on a generated database.
start_server() {
  local logfile=$1 timeout_s=${2:-30} attempt t0 code last_said
  for attempt in 1 2 3 4 5; do
    PORT=$(pick_port) || die "no free port found"
    BASE="http://127.0.0.1:$PORT"
    t0=$(date +%s%N)
    last_said=$t0
    WEBHOOK_SECRET="$SECRET" DATABASE_URL="$(bench_database_url)" HOST=127.0.0.1 PORT="$PORT" \
      WEBHOOKD_BENCH_ROUTES=1 LOG_LEVEL=INFO "$SERVER_BIN" >>"$logfile" 2>>"$WORK/server.stderr" &
    SERVER_PID=$!
    SERVER_T0_NS=$t0
    while :; do
      if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        wait "$SERVER_PID" && code=0 || code=$?
        SERVER_PID=""
        log "server exited with $code during startup (port $PORT taken?), attempt $attempt"
        break
      fi
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/health/ready" || true)
      if [[ $code == 200 ]]; then
        READY_MS=$((($(date +%s%N) - t0) / 1000000))
        # Make sure the 200 came from our process and not from someone
        # else's server that grabbed the port in between.
        kill -0 "$SERVER_PID" 2>/dev/null || die "a server answers on $PORT, but ours has exited"
        if command -v ss >/dev/null; then
          ss -Htlnp "sport = :$PORT" | grep "pid=$SERVER_PID," >/dev/null ||
            die "a server answers on $PORT, but not ours"
        fi
        return 0
      fi
      local now
      now=$(date +%s%N)
      if ((now - t0 > timeout_s * 1000000000)); then die "server not ready after $timeout_s s (see $logfile)"; fi
      if ((now - last_said > 30000000000)); then
        last_said=$now
        log "  not ready yet after $(((now - t0) / 1000000000)) s"
      fi
      sleep 0.005
    done
  done
  die "server did not start (see $WORK/server.stderr)"
}

# SIGTERM, then the exit status must be 0 within 30 s.
stop_server() {
  local code t0
  t0=$(now_ms)
  kill -TERM "$SERVER_PID"
  for _ in $(seq 1 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$SERVER_PID" 2>/dev/null && die "server still running 30 s after SIGTERM"
  wait "$SERVER_PID" && code=0 || code=$?
  STOP_MS=$(($(now_ms) - t0))
  SERVER_PID=""
  ((code == 0)) || die "server exited with status $code after SIGTERM (expected 0)"
  log "server stopped with status 0 after ${STOP_MS} ms"
}

# One line per 0.5 s: VmRSS and RssAnon (KiB). The read connections map the
# database files, so VmRSS counts the file pages they touch (the kernel's page
# cache, reclaimable); RssAnon is the process's own memory.
start_sampler() {
  local pid=$1 out=$2
  (
    while kill -0 "$pid" 2>/dev/null; do
      awk '$1 == "VmRSS:" {rss = $2} $1 == "RssAnon:" {anon = $2} END {if (rss != "") print rss, anon}' \
        "/proc/$pid/status" 2>/dev/null || true
      sleep 0.5
    done
  ) >>"$out" &
  SAMPLER_PID=$!
}
stop_sampler() {
  if [[ -n $SAMPLER_PID ]]; then
    kill -TERM "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
  fi
}

stats_json() { curl -sf --max-time 60 "$BASE/stats"; }
rows_now() { stats_json | jq -r '.total_messages'; }

# The value of an unlabelled metric, empty when the server does not export it.
# awk reads to the end: leaving early would make curl fail on a closed pipe.
metric_value() {
  curl -s --max-time 10 "$BASE/metrics" | awk -v m="$1" '$1 == m && !found { print $2; found = 1 }'
}

# wait_for_text_index logfile deadline_seconds: until the server's log says
# "text index built" and webhookd_text_index_lag_rows is 0 (the gauge alone
# reads 0 before the indexer's first round, and is not updated during a
# rebuild). Sets TEXT_INDEX_MS (since the server's exec) and TEXT_INDEX_LOG_S
# (the build time the server logged); returns 1 at the deadline.
wait_for_text_index() {
  local logfile=$1 deadline=$(($(now_ms) + $2 * 1000)) lag="" last_said
  last_said=$(now_ms)
  TEXT_INDEX_MS=""
  TEXT_INDEX_LOG_S=""
  # PostgreSQL has no text index of webhookd's to wait for.
  ((PG_BENCH)) && return 0
  while (($(now_ms) < deadline)); do
    if grep -m1 -q '"text index built"' "$logfile"; then
      lag=$(metric_value webhookd_text_index_lag_rows)
      if [[ -z $lag || $lag == 0 ]]; then
        TEXT_INDEX_MS=$((($(date +%s%N) - SERVER_T0_NS) / 1000000))
        TEXT_INDEX_LOG_S=$(grep -m1 '"text index built"' "$logfile" | jq -r '.seconds // empty' 2>/dev/null || true)
        return 0
      fi
    fi
    if (($(now_ms) - last_said > 30000)); then
      last_said=$(now_ms)
      log "  text index: still building or catching up (webhookd_text_index_lag_rows: ${lag:-not read until the build is logged})"
    fi
    sleep 0.1
  done
  return 1
}

# wait_for_index_merge deadline_seconds: until the indexer has merged the
# segments its chunks left (webhookd_text_index_merge_pending 0; it merges
# once nothing has arrived for a second), so that the read phases measure the
# index as it stands between bursts, not the merge. A server without the
# gauge (an older build) counts as merged. Returns 1 at the deadline.
wait_for_index_merge() {
  local deadline=$(($(now_ms) + $1 * 1000)) metrics pending
  ((PG_BENCH)) && return 0
  while (($(now_ms) < deadline)); do
    # A failed fetch (a timeout under load) is asked again, not taken as 0.
    if metrics=$(curl -sf --max-time 10 "$BASE/metrics"); then
      pending=$(awk '$1 == "webhookd_text_index_merge_pending" { print $2; exit }' <<<"$metrics")
      [[ -z $pending || $pending == 0 ]] && return 0
    fi
    sleep 0.2
  done
  return 1
}

# Waits until the server has finished what the previous phase left queued:
# wrk closes its connections at the end of a phase, but requests already
# read keep the actors busy. Quiet = the count of answered requests (other
# than /metrics) did not move for two polls 0.5 s apart and every actor
# mailbox (other than the metrics actor's) was empty, or it did not move for
# four polls. Then the server's log file is synced: the previous phase's
# log lines (hundreds of MiB after a null-handler phase) would otherwise be
# written back during the next phase and delay its commits' fsyncs.
# The text index's idle merge (wait_for_index_merge) is waited for too: it
# starts a second after the last arrival, and would otherwise run inside the
# next phase (after unique ingest, the duplicates phase stores nothing).
MERGE_WAIT_MS=0
settle() {
  local begin
  wait_for_quiet
  begin=$(now_ms)
  wait_for_index_merge 120 || log "warning: the text index was still merging 120 s after the previous phase"
  MERGE_WAIT_MS=$((MERGE_WAIT_MS + $(now_ms) - begin))
  sync "$SERVER_LOG" 2>/dev/null || true
}
wait_for_quiet() {
  local prev="" cur same=0 i
  for ((i = 0; i < 600; i++)); do
    cur=$(curl -s --max-time 10 "$BASE/metrics" | awk '
      /^http_requests_total\{/ && $0 !~ /path="\/metrics"/ { s += $NF }
      /^webhookd_actor_mailbox_depth\{/ && $0 !~ /actor="metrics"/ { d += $NF }
      END { printf "%d %d\n", s, d }')
    if [[ $cur == "$prev" ]]; then
      same=$((same + 1))
      if [[ ${cur#* } == 0 && $same -ge 1 ]] || ((same >= 3)); then return 0; fi
    else
      same=0
    fi
    prev=$cur
    sleep 0.5
  done
  log "warning: the server was still busy 300 s after the previous phase"
}
