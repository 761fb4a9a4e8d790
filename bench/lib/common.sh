# bench/run.sh stage: logging, failure, the work directory and the cleanup
# that stops only what this run started (by PID), and the clocks and /proc
# readers every other stage uses.

RUN_STARTED=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
FAILED=0
die() {
  FAILED=1
  log "FAIL: $*"
  exit 1
}
# A check that fails without stopping the run: the report lists it and the
# run exits 1 once the report is written (acceptance figures such as the
# SIGTERM time are worth having in the table even when they fail).
CHECK_FAILURES=()
check_failed() {
  CHECK_FAILURES+=("$*")
  log "CHECK FAILED: $*"
}

for tool in wrk curl jq sqlite3 cmake ninja awk; do
  command -v "$tool" >/dev/null || die "$tool is missing (bash scripts/install-deps.sh bench installs what bench/ needs)"
done

mkdir -p "$TMP_BASE"
WORK=$(mktemp -d "$TMP_BASE/webhookd-bench.XXXXXX")
DB="$WORK/app.db"
SECRET="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
PREFIX="bench-$(date +%Y%m%d%H%M%S)-$$"
SERVER_PID=""
SAMPLER_PID=""
WRK_PIDS=()
PORT=""
BASE=""

# Stops only what this script started, by PID.
cleanup() {
  local rc=$? pid
  for pid in "${WRK_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  done
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
  # The bench's own PostgreSQL (bench/lib/postgres.sh), if it started one.
  declare -F stop_own_postgres >/dev/null && stop_own_postgres
  if ((rc != 0 || FAILED)); then
    log "kept $WORK for inspection (server logs, wrk output, database)"
  elif [[ $KEEP == 1 ]]; then
    log "kept $WORK (BENCH_KEEP=1)"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
# A command that fails under set -e outside die() would otherwise end the run
# without a word: name it and where it was.
set -E
trap 'rc=$?; ((FAILED)) || log "FAIL: \"$BASH_COMMAND\" returned $rc (${BASH_SOURCE[0]}:$LINENO, in ${FUNCNAME[0]:-main})"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

proc_status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# utime + stime of a process, in clock ticks.
proc_cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)

# MACHINE_BUSY = busy ticks of all CPUs so far (user, nice, system, irq,
# softirq, steal), read without forking.
machine_busy() {
  local _cpu user nice system idle iowait irq softirq steal _
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

# The summed size of those of the files that exist, as an integer (awk's
# print would write 8.2588e+09, which bash arithmetic cannot read).
file_bytes() { { stat -c %s "$@" 2>/dev/null || true; } | awk '{ s += $1 } END { printf "%.0f\n", s }'; }

# Milliseconds and MiB for the report.
ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
