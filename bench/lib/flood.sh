# bench/run.sh stage: the absent-word flood of issue 12. 64 connections
# search for words no message contains (bench/get_random.lua kind=absent)
# while a second wrk (BENCH_FLOOD_CONNECTIONS connections) reads plain
# /messages and a third posts signed unique webhooks: what the flood leaves
# of the other reads and of ingest is their p99. A second flood ends with
# SIGTERM to the server: the time to exit and the exit status (0 within 5 s).
# The flood's webhooks join the run's check that every 200 is a stored row.

FLOOD_ACKED=0
FLOOD_STOP_LIMIT_MS=5000

# flood_run label sigterm(0|1): sets FLOOD_<label>_* figures; with sigterm=1
# the server is gone afterwards (SERVER_PID empty) and STOP_MS, HWM_KIB and
# RSS_END_KIB are set as stop_server's caller would.
flood_run() {
  local label=$1 sigterm=$2 lines start file log_a log_b log_c pid_a pid_b pid_c rows_before rows_after
  local name_a="flood: 64 conns q absent" name_b="flood: plain /messages beside it" name_c="flood: POST /webhook beside it"
  ((sigterm)) && { name_a+=" (SIGTERM)"; name_b+=" (SIGTERM)"; name_c+=" (SIGTERM)"; }
  # Far more lines than a few connections of fsync'd ingest can send.
  lines=$((PHASE_SECONDS * 10000))
  start=$NEXT_LINE
  NEXT_LINE=$((start + lines))
  file="$WORK/flood-$label.tsv"
  "$GEN" --secret "$SECRET" --prefix "$PREFIX" --start "$start" --count "$lines" --out "$file" 2>>"$WORK/gen.log"
  settle
  quiet_wait
  rows_before=$(rows_now)
  WRK_RUNS=$((WRK_RUNS + 1))
  log_a="$WORK/wrk-$WRK_RUNS-flood-absent.log"
  log_b="$WORK/wrk-$WRK_RUNS-flood-plain.log"
  log_c="$WORK/wrk-$WRK_RUNS-flood-webhook.log"
  log "phase: absent-word flood (${PHASE_SECONDS} s)$( ((sigterm)) && echo ", SIGTERM to the server during it")"
  measure_begin
  wrk -t"$THREADS" -c"$CONNS" -d"${PHASE_SECONDS}s" --timeout "$WRK_TIMEOUT" --latency \
    -s bench/get_random.lua "$BASE" -- kind=absent "${RANDOM_ARGS[@]}" seed=$((20261202 + sigterm)) >"$log_a" 2>&1 &
  pid_a=$!
  wrk -t1 -c"$FLOOD_CONNECTIONS" -d"${PHASE_SECONDS}s" --timeout "$WRK_TIMEOUT" --latency \
    -s bench/get.lua "$BASE" -- /messages >"$log_b" 2>&1 &
  pid_b=$!
  wrk -t1 -c"$FLOOD_CONNECTIONS" -d"${PHASE_SECONDS}s" --timeout "$WRK_TIMEOUT" --latency \
    -s bench/ingest.lua "$BASE" -- file="$file" threads=1 >"$log_c" 2>&1 &
  pid_c=$!
  WRK_PIDS=("$pid_a" "$pid_b" "$pid_c")
  if ((sigterm)); then
    flood_sigterm
    # Nothing answers any more: end the clients now (SIGINT still prints
    # their summary and @@result line).
    kill -INT "$pid_a" "$pid_b" "$pid_c" 2>/dev/null || true
  fi
  wait "$pid_a" || ((sigterm)) || die "wrk failed in the flood (see $log_a)"
  wait "$pid_b" || ((sigterm)) || die "wrk failed in the flood (see $log_b)"
  wait "$pid_c" || ((sigterm)) || die "wrk failed in the flood (see $log_c)"
  WRK_PIDS=()
  if ((sigterm)); then
    record_result "$name_a#1" "$log_a"
  else
    measure_end "$name_a#1" "$log_a"
  fi
  record_result "$name_b#1" "$log_b"
  record_result "$name_c#1" "$log_c"
  local key
  for key in "$name_b#1" "$name_c#1"; do
    R[$key,server_cpu]="–"
    R[$key,wrk_cpu]="–"
    R[$key,other_cpu]="–"
  done
  log_result "$name_a#1"
  log "  beside it: plain /messages p99 $(ms "${R[$name_b#1,p99]}"), POST /webhook p99 $(ms "${R[$name_c#1,p99]}")"
  local acked unanswered hits checked
  (($(jq -r '.unmatched' <<<"${R[$name_c#1,json]}") == 0)) || die "flood: webhook responses did not echo our X-Request-ID"
  acked=$(jq -r '.acked' <<<"${R[$name_c#1,json]}")
  unanswered=$(jq -r '.unanswered | length' <<<"${R[$name_c#1,json]}")
  FLOOD_ACKED=$((FLOOD_ACKED + acked))
  unanswered_ids "$name_c#1" "$start" >>"$WORK/unanswered.txt"
  hits=$(jq -r '.absent_hits' <<<"${R[$name_a#1,json]}")
  checked=$(jq -r '.absent_checked' <<<"${R[$name_a#1,json]}")
  ((hits == 0)) || check_failed "flood: $hits of $checked absent-word answers had a total other than 0"
  if ((!sigterm)); then
    settle
    rows_after=$(rows_now)
    ((rows_after - rows_before >= acked && rows_after - rows_before <= acked + unanswered)) ||
      die "flood: $acked webhooks answered 200, but the table grew by $((rows_after - rows_before)) rows"
    adopt_best "$name_a" 1
    adopt_best "$name_b" 1
    adopt_best "$name_c" 1
    FLOOD_P99_PLAIN=${R[$name_b,p99]}
    FLOOD_P99_WEBHOOK=${R[$name_c,p99]}
  else
    FLOOD_SIGTERM_P99_PLAIN=${R[$name_b#1,p99]}
    FLOOD_SIGTERM_P99_WEBHOOK=${R[$name_c#1,p99]}
    FLOOD_SIGTERM_REQUESTS=${R[$name_a#1,requests]}
  fi
  log "  flood webhooks: $acked × 200, $unanswered abandoned in flight"
}

# SIGTERM a few seconds into the flood; the exit is timed to 10 ms.
flood_sigterm() {
  local delay code t_kill i
  delay=$((PHASE_SECONDS >= 6 ? 3 : (PHASE_SECONDS + 1) / 2))
  FLOOD_DELAY_S=$delay
  sleep "$delay"
  HWM_KIB=$(proc_status_kib "$SERVER_PID" VmHWM)
  RSS_END_KIB=$(proc_status_kib "$SERVER_PID" VmRSS)
  t_kill=$(now_ms)
  kill -TERM "$SERVER_PID"
  for ((i = 0; i < 3000; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.01
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    FLOOD_EXIT="still running 30 s after SIGTERM: killed"
  fi
  wait "$SERVER_PID" && code=0 || code=$?
  STOP_MS=$(($(now_ms) - t_kill))
  FLOOD_STOP_MS=$STOP_MS
  FLOOD_EXIT_CODE=$code
  SERVER_PID=""
  FLOOD_EXIT=${FLOOD_EXIT:-"exit status $code after $STOP_MS ms"}
  log "  SIGTERM during the flood: $FLOOD_EXIT"
  ((code == 0 && STOP_MS <= FLOOD_STOP_LIMIT_MS)) ||
    check_failed "SIGTERM during the absent-word flood: $FLOOD_EXIT (expected status 0 within 5 s)"
}
