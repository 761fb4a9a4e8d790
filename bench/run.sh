#!/usr/bin/env bash
# webhookd benchmark: a Release build, one server on loopback, wrk at 64
# connections, a fixed set of phases, a Markdown table.
#
#   bash bench/run.sh                                  # what `make bench` runs
#   BENCH_ROWS=200000 BENCH_SECONDS=5 bash bench/run.sh  # a quicker run
#
# Phases, in this order, each after the server has gone quiet again (a 2 s
# warm-up on the null handler comes first and is not reported):
#   null          POST /_bench/null: one actor round trip, no work (the yardstick;
#                 bench/null.lua does the same client work as bench/ingest.lua)
#   null, plain wrk  the same route with one fixed request and no Lua: what the
#                 cheapest client gets, to show the scripts' own cost
#   ingest        unique signed webhooks, each line of the request file once
#   duplicate     re-deliveries of stored message_ids with other bodies
#   bulk load     unique webhooks until the table holds BENCH_ROWS rows, as fast
#                 as wrk can push them (not time-bounded: it ends on the last row)
#   then, at BENCH_ROWS rows: /messages plain, deep offset (offset = rows/2),
#   from=<busiest sender>, since=<mid-year>, q=<word>, q=<2 letters>, all
#   three combined (all with limit=50), /stats, /messages at a random offset
#   per request (pages read once: the query actors' row cache mostly misses,
#   where every other read phase asks for one page over and over), and the
#   null handler again. Each read phase but the random one follows four
#   unreported requests to its URL (see WARMUP_REQUESTS).
#
# Correctness checks (the run fails loudly if one does not hold):
#   - every 200 to a new message is a stored row: rows stored == preflight +
#     200s of the ingest and bulk phases + those requests that wrk abandoned in
#     flight at the end of a phase and that the server still stored (each is
#     identified by message_id through the echoed X-Request-ID and looked up
#     in the database after the server stopped);
#   - the duplicate phase adds no row, and the first stored version wins;
#   - the server exits 0 on SIGTERM, every time.
# Also measured: the server's peak resident memory (VmHWM at the end, VmRSS
# sampled every 0.5 s), the CPU the server, wrk and everything else on the
# machine used per phase (a busy machine skews every figure: the "other CPU"
# column shows it), and the time from exec to the first 200 on /health/ready
# when restarting on the full database.
#
# Reports go to stdout and to bench/results/latest.md; the server's logs, wrk
# output and database live in a temporary directory, removed at the end
# (kept when the run fails, or with BENCH_KEEP=1).
#
# Environment (all optional):
#   BENCH_SECONDS=10        duration of every timed phase
#   BENCH_ROWS=1000000      rows in the table for the read phases
#   BENCH_CONNECTIONS=64    wrk -c
#   BENCH_THREADS=2         wrk -t
#   BENCH_TIMEOUT=30s       wrk --timeout (a slower response counts as an error)
#   BENCH_UNIQUE_RATE=0     lines written per second of the unique ingest phase;
#                           0: 2.5 × the null handler's rate (at least 5,000/s)
#   BENCH_DUP_LINES=200000  distinct message_ids re-delivered in the duplicate phase
#   BENCH_BULK_MAX_SECONDS=7200  the bulk load fails if it takes longer
#   BENCH_RESTARTS=3        restarts on the full database to time readiness
#   BENCH_BUILD_DIR=build-release
#   BENCH_SKIP_BUILD=0      1: use the existing build as it is
#   BENCH_TMPDIR=${TMPDIR:-/tmp}   where the database, logs and request files go
#   BENCH_KEEP=0            1: keep that directory (it is kept anyway on failure)
#   BENCH_OUT=bench/results/latest.md
#   BENCH_Q_WORD=invoice BENCH_Q_SHORT=ok BENCH_SINCE=2024-07-01T00:00:00Z
#   BENCH_MAX_OTHER_CPU=0.15  cores other processes may use during a phase
#                           before it counts as disturbed
#   BENCH_QUIET_WAIT=120    seconds, in all, to wait before phases for the machine
#                           to be that quiet (at most 30 s per phase; 0: never wait)
#   BENCH_RETRIES=2         extra runs of a disturbed phase (all but the bulk
#                           load); the run with the least other CPU is reported
#   BENCH_PROBE_SECONDS=3   a null-handler run this long just before each timed
#                           phase other than the null ones and the bulk load: the
#                           "adjacent null" of that phase (0: no probes)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

PHASE_SECONDS=${BENCH_SECONDS:-10}
ROWS=${BENCH_ROWS:-1000000}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
WRK_TIMEOUT=${BENCH_TIMEOUT:-30s}
UNIQUE_RATE=${BENCH_UNIQUE_RATE:-0}
DUP_LINES=${BENCH_DUP_LINES:-200000}
BULK_MAX_SECONDS=${BENCH_BULK_MAX_SECONDS:-7200}
RESTARTS=${BENCH_RESTARTS:-3}
BUILD_DIR=${BENCH_BUILD_DIR:-build-release}
SKIP_BUILD=${BENCH_SKIP_BUILD:-0}
KEEP=${BENCH_KEEP:-0}
OUT=${BENCH_OUT:-bench/results/latest.md}
Q_WORD=${BENCH_Q_WORD:-invoice}
Q_SHORT=${BENCH_Q_SHORT:-ok}
SINCE=${BENCH_SINCE:-2024-07-01T00:00:00Z}
RETRIES=${BENCH_RETRIES:-2}
MAX_OTHER_CPU=${BENCH_MAX_OTHER_CPU:-0.15}
QUIET_WAIT=${BENCH_QUIET_WAIT:-120}
PROBE_SECONDS=${BENCH_PROBE_SECONDS:-3}

[[ $MAX_OTHER_CPU =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "bench: BENCH_MAX_OTHER_CPU must be a number of cores" >&2; exit 2; }
for v in PHASE_SECONDS ROWS CONNS THREADS UNIQUE_RATE DUP_LINES BULK_MAX_SECONDS RESTARTS RETRIES QUIET_WAIT PROBE_SECONDS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "bench: $v must be a non-negative integer, got '${!v}'" >&2; exit 2; }
done
((THREADS >= 1 && CONNS >= THREADS && PHASE_SECONDS >= 1)) || { echo "bench: need BENCH_THREADS >= 1, BENCH_CONNECTIONS >= threads, BENCH_SECONDS >= 1" >&2; exit 2; }

RUN_STARTED=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
FAILED=0
die() {
  FAILED=1
  log "FAIL: $*"
  exit 1
}

for tool in wrk curl jq sqlite3 cmake ninja awk; do
  command -v "$tool" >/dev/null || die "$tool is missing (bash scripts/install-deps.sh bench installs what bench/ needs)"
done

# ------------------------------------------------------------------ state
WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/webhookd-bench.XXXXXX")
DB="$WORK/app.db"
SECRET="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
PREFIX="bench-$(date +%Y%m%d%H%M%S)-$$"
SERVER_PID=""
SAMPLER_PID=""
WRK_PID=""
PORT=""
BASE=""

# Stops only what this script started, by PID.
cleanup() {
  local rc=$?
  [[ -n $WRK_PID ]] && kill -0 "$WRK_PID" 2>/dev/null && kill -TERM "$WRK_PID" 2>/dev/null
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  [[ -n $SAMPLER_PID ]] && kill -0 "$SAMPLER_PID" 2>/dev/null && kill -TERM "$SAMPLER_PID" 2>/dev/null
  if ((rc != 0 || FAILED)); then
    log "kept $WORK for inspection (server logs, wrk output, database)"
  elif [[ $KEEP == 1 ]]; then
    log "kept $WORK (BENCH_KEEP=1)"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ build
if [[ $SKIP_BUILD != 1 ]]; then
  log "building webhookd (Release) in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake.log" 2>&1 ||
    { cat "$WORK/cmake.log" >&2; die "cmake configure failed"; }
  targets=(webhookd)
  if ninja -C "$BUILD_DIR" -t targets all 2>/dev/null | grep '^make_requests:' >/dev/null; then
    targets+=(make_requests)
  fi
  cmake --build "$BUILD_DIR" -j2 --target "${targets[@]}" >"$WORK/build.log" 2>&1 ||
    { tail -40 "$WORK/build.log" >&2; die "build failed"; }
fi
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")
[[ $BUILD_TYPE == Release ]] || die "$BUILD_DIR is a '$BUILD_TYPE' build; the benchmark measures Release builds only"
CXX_FLAGS=$(sed -n 's/^CMAKE_CXX_FLAGS_RELEASE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")
BUILD_ABS=$(cd "$BUILD_DIR" && pwd)
SERVER_BIN="$BUILD_ABS/webhookd"
[[ -x $SERVER_BIN ]] || die "no $SERVER_BIN"

# The generator: the CMake target when the project defines one, otherwise
# compiled here (it only needs OpenSSL's libcrypto).
GEN="$BUILD_ABS/make_requests"
if [[ ! -x $GEN || $GEN -ot bench/make_requests.cpp ]]; then
  GEN="$BUILD_ABS/bench-make_requests"
  if [[ ! -x $GEN || $GEN -ot bench/make_requests.cpp ]]; then
    log "compiling bench/make_requests.cpp"
    g++ -std=c++17 -O2 -Wall -Wextra -o "$GEN" bench/make_requests.cpp -lcrypto ||
      die "cannot compile bench/make_requests.cpp"
  fi
fi

# ------------------------------------------------------------------ server
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

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# Starts the server on $DB, writing its stdout to $1; sets SERVER_PID, PORT,
# BASE and READY_MS (exec to first 200 on /health/ready).
start_server() {
  local logfile=$1 attempt t0 code
  for attempt in 1 2 3 4 5; do
    PORT=$(pick_port) || die "no free port found"
    BASE="http://127.0.0.1:$PORT"
    t0=$(date +%s%N)
    WEBHOOK_SECRET="$SECRET" DATABASE_URL="sqlite:///$DB" HOST=127.0.0.1 PORT="$PORT" \
      WEBHOOKD_BENCH_ROUTES=1 LOG_LEVEL=INFO "$SERVER_BIN" >>"$logfile" 2>>"$WORK/server.stderr" &
    SERVER_PID=$!
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
      if (($(date +%s%N) - t0 > 30000000000)); then die "server not ready after 30 s (see $logfile)"; fi
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

proc_status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# utime + stime of a process, in clock ticks.
proc_cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)

# MACHINE_BUSY = busy ticks of all CPUs so far (user, nice, system, irq,
# softirq, steal), read without forking.
machine_busy() {
  local _cpu user nice system idle iowait irq softirq steal
  read -r _cpu user nice system idle iowait irq softirq steal _ </proc/stat
  MACHINE_BUSY=$((user + nice + system + irq + softirq + steal))
}

# CHILD_MS = CPU time of the reaped children of this shell (wrk), in
# milliseconds. Not usable in $(…): a subshell has children of its own.
children_cpu_ms() {
  times >"$WORK/times"
  CHILD_MS=$(awk 'NR == 2 {
    n = split($0, f, " "); ms = 0
    for (i = 1; i <= n; i++) { split(f[i], p, "m"); sub(/s$/, "", p[2]); ms += (p[1] * 60 + p[2]) * 1000 }
    printf "%d\n", ms }' "$WORK/times")
}

start_sampler() {
  local pid=$1 out=$2
  (
    while kill -0 "$pid" 2>/dev/null; do
      awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status" 2>/dev/null || true
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

# Waits until the server has finished what the previous phase left queued:
# wrk closes its connections at the end of a phase, but requests already
# read keep the actors busy. Quiet = the count of answered requests (other
# than /metrics) did not move for two polls 0.5 s apart and every actor
# mailbox (other than the metrics actor's) was empty, or it did not move for
# four polls. Then the server's log file is synced: the previous phase's
# log lines (hundreds of MiB after a null-handler phase) would otherwise be
# written back during the next phase and delay its commits' fsyncs.
settle() {
  wait_for_quiet
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

# ------------------------------------------------------------------ phases
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
  log "  $(printf '%.0f' "${R[$k,rps]}") req/s, p50 $(awk -v u="${R[$k,p50]}" 'BEGIN{printf "%.2f", u/1000}') ms, p99 $(awk -v u="${R[$k,p99]}" 'BEGIN{printf "%.2f", u/1000}') ms, non-2xx ${R[$k,non2xx]}, codes ${R[$k,codes]}; CPU server ${R[$k,server_cpu]} wrk ${R[$k,wrk_cpu]} other ${R[$k,other_cpu]}"
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

# ------------------------------------------------------------------ run
log "work directory $WORK"
awk -v n="$(nproc)" '{ exit !($1 > n / 2) }' /proc/loadavg &&
  log "warning: load average $LOAD_BEFORE before the run: other work on this machine will skew the figures"
SERVER_LOG="$WORK/server.log"
start_server "$SERVER_LOG"
FIRST_READY_MS=$READY_MS
log "server pid $SERVER_PID on $BASE, ready after ${READY_MS} ms (empty database)"
start_sampler "$SERVER_PID" "$WORK/rss.txt"
curl -sf -X POST "$BASE/_bench/null" >/dev/null ||
  die "POST /_bench/null is not served: the build lacks WEBHOOKD_BENCH_ROUTES support"

# The null handler's requests: the same kind of signed bodies as the ingest
# phases (it ignores them), under a prefix of their own.
"$GEN" --secret "$SECRET" --prefix "${PREFIX}-null" --count 20000 --out "$WORK/null.tsv" --shards "$THREADS" 2>>"$WORK/gen.log"
"$GEN" --secret "$SECRET" --prefix "${PREFIX}-pre" --count 1 --out "$WORK/preflight.tsv" 2>>"$WORK/gen.log"

# One request by hand first: a wrong secret or a broken route fails here, not
# after a whole phase of 401s.
pre_line=$(head -1 "$WORK/preflight.tsv")
pre_code=$(curl -s -o "$WORK/preflight.out" -w '%{http_code}' -X POST "$BASE/webhook" \
  -H "X-Signature: ${pre_line%%$'\t'*}" -H 'Content-Type: application/json' --data-binary "${pre_line#*$'\t'}")
[[ $pre_code == 200 ]] || die "preflight POST /webhook answered $pre_code: $(cat "$WORK/preflight.out")"
PRE_ROWS=1

# Warm-up (not reported): connections, allocator, page cache.
wrk -t"$THREADS" -c"$CONNS" -d2s -s bench/null.lua "$BASE" -- file="$WORK/null.tsv" threads="$THREADS" \
  >"$WORK/wrk-warmup.log" 2>&1 || die "wrk warm-up failed"

run_phase "null handler" null.lua "$PHASE_SECONDS" file="$WORK/null.tsv" threads="$THREADS"
NULL_RPS=${R[null handler,rps]}
run_phase "null handler, plain wrk" null_plain.lua "$PHASE_SECONDS" file="$WORK/null.tsv"

if ((UNIQUE_RATE == 0)); then
  UNIQUE_RATE=$(awk -v r="$NULL_RPS" 'BEGIN { r = int(r * 2.5); print (r < 5000 ? 5000 : r) }')
fi
UNIQUE_LINES=$((PHASE_SECONDS * UNIQUE_RATE))

# Unique ingest. Each run sends lines of its own (message_ids
# <prefix>-<(run-1) × UNIQUE_LINES + line>), so a run repeated because of
# other load adds rows like the first one; every run's 200s are checked.
ING="ingest, unique"
ing_acked=0
ing_runs=0
: >"$WORK/unanswered.txt"
for ((attempt = 1; ; attempt++)); do
  ing_start=$(((attempt - 1) * UNIQUE_LINES))
  log "generating $UNIQUE_LINES unique requests"
  "$GEN" --secret "$SECRET" --prefix "$PREFIX" --start "$ing_start" --count "$UNIQUE_LINES" \
    --out "$WORK/unique-$attempt.tsv" --shards "$THREADS" 2>>"$WORK/gen.log"
  settle
  quiet_wait
  key="$ING#$attempt"
  null_probe "$key"
  rows_before=$(rows_now)
  WRK_RUNS=$((WRK_RUNS + 1))
  logfile="$WORK/wrk-$WRK_RUNS.log"
  log "phase: $ING (${PHASE_SECONDS} s)$( ((attempt > 1)) && echo ", run $attempt")"
  measure_begin
  wrk -t"$THREADS" -c"$CONNS" -d"${PHASE_SECONDS}s" --timeout "$WRK_TIMEOUT" --latency \
    -s bench/ingest.lua "$BASE" -- file="$WORK/unique-$attempt.tsv" threads="$THREADS" \
    >"$logfile" 2>&1 || die "wrk failed in phase '$ING' (see $logfile)"
  measure_end "$key" "$logfile"
  log_result "$key"
  settle
  rows_after=$(rows_now)
  acked=$(jq -r '.acked' <<<"${R[$key,json]}")
  unanswered=$(jq -r '.unanswered | length' <<<"${R[$key,json]}")
  unmatched=$(jq -r '.unmatched' <<<"${R[$key,json]}")
  ((unmatched == 0)) || die "$unmatched responses in the ingest phase did not echo our X-Request-ID"
  [[ $(jq -r '.exhausted' <<<"${R[$key,json]}") == false ]] ||
    log "warning: the unique request file ran out before the phase ended (req/s is understated); raise BENCH_UNIQUE_RATE"
  delta=$((rows_after - rows_before))
  log "  ingest: $acked × 200, $unanswered abandoned in flight, rows +$delta"
  ((delta >= acked && delta <= acked + unanswered)) ||
    die "ingest: $acked requests answered 200, but the table grew by $delta rows"
  unanswered_ids "$key" "$ing_start" >>"$WORK/unanswered.txt"
  ing_acked=$((ing_acked + acked))
  ing_runs=$attempt
  if ((attempt > RETRIES)) || ! noisy "$key"; then break; fi
  log "  other work used ${R[$key,other_cpu]} cores during the phase: running it again on fresh lines"
done
adopt_best "$ING" "$ing_runs"
rows1=$(rows_now)

# Duplicates: message_ids that are certainly stored. In the first ingest run
# thread t sent lines t, t+T, t+2T, … in order and at most one request per
# connection was in flight, so every line below T × (fewest lines a thread
# sent − connections per thread) was answered; all with 200 when there was
# no non-2xx.
first_json=${R[$ING#1,json]}
min_sent=$(jq -r '.sent_by_thread | min' <<<"$first_json")
safe=$((THREADS * (min_sent - (CONNS + THREADS - 1) / THREADS)))
(($(jq -r '.non2xx' <<<"$first_json") == 0)) ||
  log "warning: the ingest phase had non-2xx answers; the duplicate set may hold unstored ids"
dup_lines=$((safe < DUP_LINES ? safe : DUP_LINES))
((dup_lines >= 256 * THREADS)) || die "too few stored rows ($safe) for a duplicate phase (ingest too slow?)"
"$GEN" --secret "$SECRET" --prefix "$PREFIX" --start 0 --count "$dup_lines" --duplicates \
  --out "$WORK/duplicates.tsv" --shards "$THREADS" 2>>"$WORK/gen.log"
run_phase "ingest, duplicates" ingest.lua "$PHASE_SECONDS" file="$WORK/duplicates.tsv" threads="$THREADS" mode=cycle
settle
rows2=$(rows_now)
dup_acked=$(jq -r '.acked' <<<"${R[ingest, duplicates,json]}")
log "  duplicates: $dup_acked × 200 over $dup_lines distinct ids, rows +$((rows2 - rows1))"
((rows2 == rows1)) || die "the duplicate phase changed the row count from $rows1 to $rows2"

# Bulk load up to ROWS through the HTTP API, as fast as wrk can.
BULK_START=$((ing_runs * UNIQUE_LINES))
bulk_count=$((ROWS - rows2))
BULK_SECONDS=""
BULK_ROWS=0
if ((bulk_count > 0)); then
  log "generating $bulk_count bulk requests"
  "$GEN" --secret "$SECRET" --prefix "$PREFIX" --start "$BULK_START" --count "$bulk_count" \
    --out "$WORK/bulk.tsv" --shards "$THREADS" 2>>"$WORK/gen.log"
  settle
  quiet_wait
  mkdir -p "$WORK/bulk-done"
  name="bulk load to $ROWS rows"
  WRK_RUNS=$((WRK_RUNS + 1))
  logfile="$WORK/wrk-$WRK_RUNS.log"
  log "phase: $name ($bulk_count rows)"
  measure_begin
  wrk -t"$THREADS" -c"$CONNS" -d"${BULK_MAX_SECONDS}s" --timeout "$WRK_TIMEOUT" --latency \
    -s bench/ingest.lua "$BASE" -- file="$WORK/bulk.tsv" threads="$THREADS" mode=once \
    done_dir="$WORK/bulk-done" >"$logfile" 2>&1 &
  WRK_PID=$!
  last_report=$t0
  # Polled without forking where it matters: whatever this shell runs while
  # wrk does would count as wrk's CPU time.
  while kill -0 "$WRK_PID" 2>/dev/null; do
    finished=0
    for ((t = 0; t < THREADS; t++)); do
      [[ -e $WORK/bulk-done/thread-$t ]] && finished=$((finished + 1))
    done
    if ((finished >= THREADS)); then
      kill -INT "$WRK_PID" 2>/dev/null || true
      break
    fi
    if (($(now_ms) - last_report >= 30000)); then
      last_report=$(now_ms)
      log "  bulk: $(rows_now || echo '?') rows after $(((last_report - t0) / 1000)) s"
    fi
    sleep 0.2
  done
  wait "$WRK_PID" || die "wrk failed in the bulk load (see $logfile)"
  WRK_PID=""
  measure_end "$name#1" "$logfile"
  BULK_ACKED=$(jq -r '.acked' <<<"${R[$name#1,json]}")
  (($(jq -r '.unmatched' <<<"${R[$name#1,json]}") == 0)) || die "bulk: responses did not echo our X-Request-ID"
  BULK_SECONDS=$(awk -v ms="${R[$name#1,wall_ms]}" 'BEGIN { printf "%.1f", ms / 1000 }')
  # The table's req/s for this phase: rows acknowledged per second.
  R[$name#1,rps]=$(awk -v n="$BULK_ACKED" -v ms="${R[$name#1,wall_ms]}" 'BEGIN { printf "%.3f", n / (ms / 1000) }')
  log_result "$name#1"
  adopt_best "$name" 1
  settle
  rows3=$(rows_now)
  bulk_unanswered=$(jq -r '.unanswered | length' <<<"${R[$name,json]}")
  BULK_ROWS=$((rows3 - rows2))
  log "  bulk: $BULK_ACKED × 200 in ${BULK_SECONDS} s, $bulk_unanswered abandoned, rows +$BULK_ROWS (now $rows3)"
  ((BULK_ROWS >= BULK_ACKED && BULK_ROWS <= BULK_ACKED + bulk_unanswered)) ||
    die "bulk: $BULK_ACKED requests answered 200, but the table grew by $BULK_ROWS rows"
  [[ $(jq -r '.exhausted' <<<"${R[$name,json]}") == true ]] ||
    die "the bulk load did not finish within BENCH_BULK_MAX_SECONDS=$BULK_MAX_SECONDS s"
  unanswered_ids "$name" "$BULK_START" >>"$WORK/unanswered.txt"
else
  BULK_ACKED=0
  rows3=$rows2
  log "no bulk load: the table already holds $rows2 rows (BENCH_ROWS=$ROWS)"
fi
ROWS_AT_READ=$rows3

# Reads on the full table.
stats=$(stats_json)
BUSY=$(jq -r '.messages_per_sender[0].from' <<<"$stats")
BUSY_COUNT=$(jq -r '.messages_per_sender[0].count' <<<"$stats")
BUSY_Q=${BUSY/+/%2B}
DEEP=$((ROWS_AT_READ / 2))
declare -a READS=(
  "GET /messages|/messages?limit=50"
  "GET /messages offset=$DEEP|/messages?limit=50&offset=$DEEP"
  "GET /messages from=$BUSY|/messages?limit=50&from=$BUSY_Q"
  "GET /messages since=$SINCE|/messages?limit=50&since=$SINCE"
  "GET /messages q=$Q_WORD|/messages?limit=50&q=$Q_WORD"
  "GET /messages q=$Q_SHORT|/messages?limit=50&q=$Q_SHORT"
  "GET /messages from+since+q|/messages?limit=50&from=$BUSY_Q&since=$SINCE&q=$Q_WORD"
  "GET /stats|/stats"
)
# Before each read phase, a few unreported requests to its URL: the first
# answer to a new filter set counts the whole table once in each query actor
# (0.1-0.2 s for q on a million rows), which is not what the phase measures.
WARMUP_REQUESTS=4
for entry in "${READS[@]}"; do
  for ((i = 0; i < WARMUP_REQUESTS; i++)); do curl -sf -o /dev/null --max-time 60 "$BASE${entry#*|}" || true; done
  run_phase "${entry%%|*}" get.lua "$PHASE_SECONDS" "${entry#*|}"
done
SPREAD=$((ROWS_AT_READ > 50 ? ROWS_AT_READ - 50 : 1))
run_phase "GET /messages random offset" get_spread.lua "$PHASE_SECONDS" "/messages?limit=50" spread="$SPREAD"
run_phase "null handler (again)" null.lua "$PHASE_SECONDS" file="$WORK/null.tsv" threads="$THREADS"

# The yardstick for the ratios: of the two null-handler phases, the one other
# work disturbed less (the first one unless the second was clearly quieter).
NULL_REF="null handler"
awk -v a="${R[null handler (again),other_cpu]}" -v b="${R[null handler,other_cpu]}" 'BEGIN { exit !(a < b - 0.05) }' &&
  NULL_REF="null handler (again)"
NULL_RPS=${R[$NULL_REF,rps]}

settle
FINAL_STATS=$(stats_json)
STATS_TOTAL=$(jq -r '.total_messages' <<<"$FINAL_STATS")
HWM_KIB=$(proc_status_kib "$SERVER_PID" VmHWM)
RSS_END_KIB=$(proc_status_kib "$SERVER_PID" VmRSS)
stop_server
stop_sampler
RSS_MAX_KIB=$(sort -n "$WORK/rss.txt" | tail -1)
LOG_LINES=$(wc -l <"$SERVER_LOG")
LOG_BYTES=$(stat -c %s "$SERVER_LOG")
non_json=$(grep -vc '^{.*}$' "$SERVER_LOG" || true)

# ------------------------------------------------------------------ checks
DB_ROWS=$(sqlite3 "$DB" 'SELECT COUNT(*) FROM messages;')
in_list=$(awk '{ printf "%s'\''%s'\''", (NR > 1 ? "," : ""), $0 }' "$WORK/unanswered.txt")
ABANDONED=$(wc -l <"$WORK/unanswered.txt")
ABANDONED_STORED=0
if [[ -n $in_list ]]; then
  ABANDONED_STORED=$(sqlite3 "$DB" "SELECT COUNT(*) FROM messages WHERE message_id IN ($in_list);")
fi
ACKED_TOTAL=$((PRE_ROWS + ing_acked + BULK_ACKED))
EXPECTED=$((ACKED_TOTAL + ABANDONED_STORED))
log "rows: database $DB_ROWS, /stats $STATS_TOTAL, 200s to new messages $ACKED_TOTAL, abandoned in flight $ABANDONED (stored $ABANDONED_STORED)"
((DB_ROWS == STATS_TOTAL)) || die "/stats said $STATS_TOTAL rows, the database holds $DB_ROWS"
((DB_ROWS == EXPECTED)) ||
  die "the database holds $DB_ROWS rows, but 200s + abandoned-and-stored make $EXPECTED: a 200 was not stored, or a row appeared from nowhere"

# The first stored version wins: the duplicate bodies differ in ts and sender.
while IFS=$'\t' read -r id from ts; do
  got=$(sqlite3 -separator $'\t' "$DB" "SELECT from_msisdn, ts FROM messages WHERE message_id = '$id';")
  [[ $got == "$from"$'\t'"$ts" ]] || die "$id: stored ($got) is not the first delivery ($from $ts)"
done < <(head -20 "$WORK/unique-1.tsv" | cut -f2- | jq -r '[.message_id, .from, .ts] | @tsv')
log "checks passed: every 200 is a stored row, duplicates stored nothing, the first version won"

# Restart on the full database: exec to first 200 on /health/ready.
READY_LIST=()
RESTART_HWM=0
for ((i = 1; i <= RESTARTS; i++)); do
  start_server "$WORK/server-restart.log"
  READY_LIST+=("$READY_MS")
  got=$(rows_now)
  ((got == DB_ROWS)) || die "after restart /stats says $got rows, expected $DB_ROWS"
  hwm=$(proc_status_kib "$SERVER_PID" VmHWM)
  ((hwm > RESTART_HWM)) && RESTART_HWM=$hwm
  stop_server
done
log "ready after restart with $DB_ROWS rows: ${READY_LIST[*]} ms"

# ------------------------------------------------------------------ report
ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_gib=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
fs_type=$(df -PT "$WORK" | awk 'NR == 2 { print $2 }')
revision=$(GIT_OPTIONAL_LOCKS=0 git describe --always --dirty 2>/dev/null || echo unknown)
wrk_version=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }')
RUN_SECONDS=$(($(date +%s) - RUN_STARTED))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
cmd="BENCH_ROWS=$ROWS BENCH_SECONDS=$PHASE_SECONDS make bench"

{
  echo "# webhookd benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), revision \`$revision\`, command: \`$cmd\` (whole run ${RUN_SECONDS} s)"
  echo
  echo "- Machine: $(nproc) cores ($cpu_model), $mem_gib GiB, Linux $(uname -r); database on $fs_type in \`${BENCH_TMPDIR:-${TMPDIR:-/tmp}}\`"
  echo "- Build: \`$BUILD_DIR\`, CMAKE_BUILD_TYPE=$BUILD_TYPE (\`$CXX_FLAGS\`)"
  echo "- Load: wrk $wrk_version on loopback, -t$THREADS -c$CONNS, ${PHASE_SECONDS} s per timed phase, --timeout $WRK_TIMEOUT; wrk and the server share the machine"
  echo "- Load average (1, 5, 15 min) before the run: $LOAD_BEFORE; at the end: $LOAD_AFTER"
  echo "- Server: LOG_LEVEL=INFO, JSON logs to a file ($LOG_LINES lines, $(mib $((LOG_BYTES / 1024))) in the first run), WEBHOOKD_BENCH_ROUTES=1, fresh database"
  echo
  echo "| phase | req/s | ratio to null | adjacent null | ratio to it | p50 | p99 | non-2xx | errors | server CPU | wrk CPU | other CPU |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for name in "${PHASES[@]}"; do
    local_null=${R[$name,probe_null]:-}
    if [[ -n $local_null ]]; then
      adjacent=$(printf '%.0f' "$local_null")
      adjacent_ratio=$(awk -v a="${R[$name,rps]}" -v b="$local_null" 'BEGIN { printf "%.2f", a / b }')
    else
      adjacent="–"
      adjacent_ratio="–"
    fi
    printf '| %s | %.0f | %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "${R[$name,rps]}" \
      "$(awk -v a="${R[$name,rps]}" -v b="$NULL_RPS" 'BEGIN { printf "%.4f", a / b }')" "$adjacent" "$adjacent_ratio" \
      "$(ms "${R[$name,p50]}")" "$(ms "${R[$name,p99]}")" "${R[$name,non2xx]}" "${R[$name,errors]}" \
      "${R[$name,server_cpu]}" "${R[$name,wrk_cpu]}" "${R[$name,other_cpu]}"
  done
  echo
  echo "Ratios are to the \"$NULL_REF\" phase (of the two null-handler phases, the one least"
  echo "disturbed by other work), whose client (bench/null.lua) does the same work per request as"
  echo "bench/ingest.lua; \"plain wrk\" is the same route with one fixed request and no Lua, the"
  echo "cheapest client. The CPU columns are cores busy on average (of $(nproc)): the server, wrk, and"
  echo "every other process on the machine; above ~$MAX_OTHER_CPU cores, other work skews the figures"
  echo "(such a phase is run up to $((RETRIES + 1)) times and the least disturbed run is shown)."
  echo "Errors are wrk's socket errors and timeouts. \"Adjacent null\" is a ${PROBE_SECONDS} s null-handler run"
  echo "just before the phase (bench/null.lua, the same connections): this machine's speed drifts"
  echo "within a run, and the ratio to it compares each phase with the yardstick of its own minute."
  echo
  if ((${#REPEATED[@]} > 0)); then
    echo "Phases repeated because other work disturbed them:"
    echo
    for line in "${REPEATED[@]}"; do echo "- $line"; done
    echo
  fi
  if ((BULK_ACKED > 0)); then
    echo "- Bulk load: $BULK_ACKED rows in ${BULK_SECONDS} s through POST /webhook (req/s above = rows acknowledged per second), table at $ROWS_AT_READ rows."
  else
    echo "- Bulk load: none needed, table at $ROWS_AT_READ rows after the ingest phase."
  fi
  echo "- Rows: $DB_ROWS in the database (sqlite3 after shutdown) = $ACKED_TOTAL answered 200 (1 preflight, $ing_acked unique ingest in $ing_runs run(s), $BULK_ACKED bulk) + $ABANDONED_STORED of $ABANDONED requests wrk abandoned in flight at a phase's end; the duplicate phase ($dup_acked × 200 over $dup_lines stored ids) added none. Check passed."
  echo "- Memory: peak resident (VmHWM) $(mib "$HWM_KIB") over the whole run, highest VmRSS sample $(mib "$RSS_MAX_KIB"), $(mib "$RSS_END_KIB") at the end; after a restart on $DB_ROWS rows: VmHWM $(mib "$RESTART_HWM")."
  echo "- Ready (exec to first 200 on /health/ready): ${FIRST_READY_MS} ms on an empty database; on the $DB_ROWS-row database: ${READY_LIST[*]} ms ($RESTARTS restarts)."
  echo "- SIGTERM: exit status 0 every time (last stop took ${STOP_MS} ms)."
  echo "- Waiting for a quieter machine before phases: $((QUIET_SPENT_MS / 1000)) s in all (budget ${QUIET_WAIT} s)."
  echo "- Queries: deep offset = rows/2 = $DEEP; busiest sender $BUSY ($BUSY_COUNT rows); since=$SINCE; q=$Q_WORD and q=$Q_SHORT, literal, case-insensitive; random offset uniform in [0, $SPREAD) per request (bench/get_spread.lua)."
  echo
  echo "Totals the read phases saw:"
  echo
  for name in "${PHASES[@]}"; do
    total=$(jq -r '.total // empty' <<<"${R[$name,json]}")
    if [[ -n $total ]]; then echo "- $name: total $total"; fi
  done
  echo "- GET /stats: $(jq -c '{total_messages, senders_count, first_message_ts, last_message_ts}' <<<"$FINAL_STATS")"
} >"$WORK/latest.md"
((non_json == 0)) || echo "- Warning: $non_json server stdout lines were not JSON." >>"$WORK/latest.md"

mkdir -p "$(dirname "$OUT")"
cp "$WORK/latest.md" "$OUT"
echo
cat "$OUT"
echo
log "wrote $OUT (run took ${RUN_SECONDS} s)"
