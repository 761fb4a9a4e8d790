# bench/run.sh stage: running and recording one wrk phase — results parsed
# from the scripts' @@result line, CPU accounting around the run, waiting for
# a quiet machine, repeating a disturbed phase, the adjacent null probe.

PHASES=()      # reported phases, in order
declare -A R   # R[phase,field]; R[phase#attempt,field] for each attempt
FIELDS=(json rps p50 p99 non2xx errors requests codes sample wall_ms machine_cpu server_cpu wrk_cpu other_cpu probe_null)
NULL_RPS=""
WRK_RUNS=0
REPEATED=()    # "phase: attempts" for the phases run more than once

record_result() {  # key logfile
  local key=$1 logfile=$2 json
  json=$(sed -n 's/^@@result //p' "$logfile" | tail -1)
  [[ -n $json ]] || { tail -20 "$logfile" >&2; die "wrk printed no result for '$key' (see $logfile)"; }
  if grep -qE '^PANIC|script error|attempt to|stack traceback' "$logfile"; then
    tail -20 "$logfile" >&2
    die "wrk script error in '$key'"
  fi
  R[$key,json]=$json
  R[$key,rps]=$(jq -r '.rps' <<<"$json")
  R[$key,p50]=$(jq -r '.p50_us' <<<"$json")
  R[$key,p99]=$(jq -r '.p99_us' <<<"$json")
  R[$key,non2xx]=$(jq -r '.non2xx' <<<"$json")
  R[$key,errors]=$(jq -r '.errors | .connect + .read + .write + .timeout' <<<"$json")
  R[$key,requests]=$(jq -r '.requests' <<<"$json")
  R[$key,codes]=$(jq -r '.codes | to_entries | map("\(.key)×\(.value)") | join(" ")' <<<"$json")
  R[$key,sample]=$(sed -n 's/^@@sample //p' "$logfile" | head -1)
}

# CPU accounting around one wrk run: measure_begin, wrk, measure_end key logfile.
measure_begin() {
  cpu0=$(proc_cpu_ticks "$SERVER_PID")
  children_cpu_ms
  wrk0=$CHILD_MS
  machine_busy
  busy0=$MACHINE_BUSY
  t0=$(now_ms)
}
measure_end() {
  local key=$1 logfile=$2
  t1=$(now_ms)
  machine_busy
  children_cpu_ms
  cpu1=$(proc_cpu_ticks "$SERVER_PID")
  record_result "$key" "$logfile"
  R[$key,wall_ms]=$((t1 - t0))
  R[$key,machine_cpu]=$(awk -v a="$busy0" -v b="$MACHINE_BUSY" -v hz="$CLK_TCK" -v ms=$((t1 - t0)) \
    'BEGIN { printf "%.2f", (b - a) / hz / (ms / 1000) }')
  R[$key,server_cpu]=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$CLK_TCK" -v ms=$((t1 - t0)) \
    'BEGIN { printf "%.2f", (b - a) / hz / (ms / 1000) }')
  R[$key,wrk_cpu]=$(awk -v a="$wrk0" -v b="$CHILD_MS" -v ms=$((t1 - t0)) \
    'BEGIN { printf "%.2f", (b - a) / ms }')
  R[$key,other_cpu]=$(awk -v m="${R[$key,machine_cpu]}" -v s="${R[$key,server_cpu]}" -v w="${R[$key,wrk_cpu]}" \
    'BEGIN { o = m - s - w; printf "%.2f", (o < 0 ? 0 : o) }')
}

log_result() {  # key
  local k=$1
  log "  $(printf '%.0f' "${R[$k,rps]}") req/s, p50 $(awk -v u="${R[$k,p50]}" 'BEGIN{printf "%.2f", u/1000}') ms, p99 $(awk -v u="${R[$k,p99]}" 'BEGIN{printf "%.2f", u/1000}') ms, non-2xx ${R[$k,non2xx]}, codes ${R[$k,codes]}; CPU server ${R[$k,server_cpu]:-–} wrk ${R[$k,wrk_cpu]:-–} other ${R[$k,other_cpu]:-–}"
}

# Before a phase: wait for a second in which everything but the server used
# at most BENCH_MAX_OTHER_CPU cores; at most 30 s, and BENCH_QUIET_WAIT s over
# the whole run (a machine that stays busy is reported, not waited out).
QUIET_SPENT_MS=0
quiet_wait() {
  local budget=$((QUIET_WAIT * 1000 - QUIET_SPENT_MS))
  ((budget > 0)) || return 0
  ((budget < 30000)) || budget=30000
  local begin deadline b0 s0 s1 other said=0
  begin=$(now_ms)
  deadline=$((begin + budget))
  while :; do
    machine_busy
    b0=$MACHINE_BUSY
    s0=$(proc_cpu_ticks "$SERVER_PID")
    sleep 1
    machine_busy
    s1=$(proc_cpu_ticks "$SERVER_PID")
    other=$(awk -v b=$((MACHINE_BUSY - b0)) -v s=$((s1 - s0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - s) / hz }')
    if awk -v o="$other" -v m="$MAX_OTHER_CPU" 'BEGIN { exit !(o <= m) }'; then
      QUIET_SPENT_MS=$((QUIET_SPENT_MS + $(now_ms) - begin - 1000))
      return 0
    fi
    if (($(now_ms) > deadline)); then
      QUIET_SPENT_MS=$((QUIET_SPENT_MS + $(now_ms) - begin))
      log "  the machine stayed busy ($other cores of other work); going ahead"
      return 0
    fi
    if ((!said)); then
      log "  waiting for other work on the machine to calm down ($other cores busy)"
      said=1
    fi
  done
}

# Picks the attempt with the least other CPU as the phase's result.
# Usage: adopt_best name attempts
adopt_best() {
  local name=$1 attempts=$2 a best=1 f
  for ((a = 2; a <= attempts; a++)); do
    awk -v x="${R[$name#$a,other_cpu]}" -v y="${R[$name#$best,other_cpu]}" 'BEGIN { exit !(x < y) }' && best=$a
  done
  for f in "${FIELDS[@]}"; do R[$name,$f]=${R[$name#$best,$f]:-}; done
  R[$name,attempt]=$best
  PHASES+=("$name")
  if ((attempts > 1)); then
    local others=()
    for ((a = 1; a <= attempts; a++)); do others+=("${R[$name#$a,other_cpu]}"); done
    REPEATED+=("$name: $attempts runs with other CPU ${others[*]}; the table shows run $best")
  fi
}

# True when the run of key was disturbed and may be repeated.
noisy() { awk -v o="${R[$1,other_cpu]}" -v m="$MAX_OTHER_CPU" 'BEGIN { exit !(o > m) }'; }

# null_probe key: a short null-handler run just before a timed phase. This
# machine's speed drifts within a run (the null handler has done 76k req/s at
# the start of a run and 51k at its end, with nothing else running), so each
# phase also gets a ratio to the null handler measured next to it, beside the
# ratio to the run's own null-handler phase.
null_probe() {
  local key=$1 logfile
  ((PROBE_SECONDS > 0)) || return 0
  WRK_RUNS=$((WRK_RUNS + 1))
  logfile="$WORK/wrk-$WRK_RUNS-probe.log"
  wrk -t"$THREADS" -c"$CONNS" -d"${PROBE_SECONDS}s" --timeout "$WRK_TIMEOUT" \
    -s bench/null.lua "$BASE" -- file="$WORK/null.tsv" threads="$THREADS" >"$logfile" 2>&1 ||
    die "wrk failed in the null probe before '$key' (see $logfile)"
  R[$key,probe_null]=$(sed -n 's/^@@result //p' "$logfile" | tail -1 | jq -r '.rps')
  settle
}

# run_phase name script duration_seconds [script args...]: a phase that does
# not change the database, so it may be repeated (up to BENCH_RETRIES times)
# when other work on the machine disturbed it.
run_phase() {
  local name=$1 script=$2 duration=$3 attempt key logfile
  shift 3
  for ((attempt = 1; ; attempt++)); do
    settle
    quiet_wait
    key="$name#$attempt"
    [[ $script == null* ]] || null_probe "$key"
    WRK_RUNS=$((WRK_RUNS + 1))
    logfile="$WORK/wrk-$WRK_RUNS.log"
    log "phase: $name (${duration} s)$( ((attempt > 1)) && echo ", run $attempt")"
    measure_begin
    wrk -t"$THREADS" -c"$CONNS" -d"${duration}s" --timeout "$WRK_TIMEOUT" --latency \
      -s "bench/$script" "$BASE" -- "$@" >"$logfile" 2>&1 || die "wrk failed in phase '$name' (see $logfile)"
    measure_end "$key" "$logfile"
    log_result "$key"
    if ((attempt > RETRIES)) || ! noisy "$key"; then break; fi
    log "  other work used ${R[$key,other_cpu]} cores during the phase: running it again"
  done
  adopt_best "$name" "$attempt"
}

# Writes the message_ids of the requests wrk left unanswered in a run.
unanswered_ids() {  # key start_index
  jq -r --arg p "$PREFIX" --argjson s "$2" '.unanswered[] | "\($p)-\(. + $s)"' <<<"${R[$1,json]}"
}
