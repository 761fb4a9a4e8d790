# bench/run.sh stage: the knobs (environment variables, all optional; the
# list is in bench/run.sh), read once and checked before anything runs.

PHASE_SECONDS=${BENCH_SECONDS:-10}
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
Q_WORD=${BENCH_Q_WORD:-invoice}
Q_SHORT=${BENCH_Q_SHORT:-ok}
SINCE=${BENCH_SINCE:-2024-07-01T00:00:00Z}
RETRIES=${BENCH_RETRIES:-2}
MAX_OTHER_CPU=${BENCH_MAX_OTHER_CPU:-0.15}
QUIET_WAIT=${BENCH_QUIET_WAIT:-120}
PROBE_SECONDS=${BENCH_PROBE_SECONDS:-3}
TMP_BASE=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}

# The big-database variant: BENCH_DATABASE_ROWS=N writes an N-row file with
# bench/make_database.cpp, lets the server migrate it, and runs the read pass
# only (no ingest phases, no fixed-URL reads) unless told otherwise.
DATABASE_ROWS=${BENCH_DATABASE_ROWS:-}
if [[ -n $DATABASE_ROWS ]]; then
  ROWS=$DATABASE_ROWS
  LOAD=${BENCH_LOAD:-file}
  INGEST=${BENCH_INGEST:-0}
  FIXED_READS=${BENCH_FIXED_READS:-0}
else
  ROWS=${BENCH_ROWS:-1000000}
  LOAD=${BENCH_LOAD:-http}
  INGEST=${BENCH_INGEST:-1}
  FIXED_READS=${BENCH_FIXED_READS:-1}
fi
RANDOM_READS=${BENCH_RANDOM_READS:-1}
FLOOD=${BENCH_FLOOD:-1}
FLOOD_CONNECTIONS=${BENCH_FLOOD_CONNECTIONS:-4}
MIGRATION_MAX_SECONDS=${BENCH_MIGRATION_MAX_SECONDS:-3600}
DATABASE_CACHE=${BENCH_DATABASE_CACHE:-}
MIX_WEIGHTS=${BENCH_MIX_WEIGHTS:-}
# Acceptance 2: unique ingest against an earlier revision's server, in the
# runs that measure ingest (BENCH_BASELINE= turns it off).
BASELINE_REV=${BENCH_BASELINE-cb7d6fd}
BASELINE_BIN=${BENCH_BASELINE_BIN:-}
BASELINE_PAIRS=${BENCH_BASELINE_PAIRS:-3}
BASELINE_LABEL="revision $BASELINE_REV"
if [[ -n $BASELINE_BIN ]]; then BASELINE_LABEL="$BASELINE_BIN"; fi
if [[ -n ${BENCH_OUT:-} ]]; then
  OUT=$BENCH_OUT
elif [[ -n $DATABASE_ROWS ]]; then
  # 10000000 → latest-10m.md, so the big run does not replace the 1M table.
  if ((DATABASE_ROWS % 1000000 == 0)); then OUT="bench/results/latest-$((DATABASE_ROWS / 1000000))m.md"; else OUT="bench/results/latest-$DATABASE_ROWS.md"; fi
else
  OUT=bench/results/latest.md
fi

[[ $MAX_OTHER_CPU =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "bench: BENCH_MAX_OTHER_CPU must be a number of cores" >&2; exit 2; }
for v in PHASE_SECONDS ROWS CONNS THREADS UNIQUE_RATE DUP_LINES BULK_MAX_SECONDS RESTARTS RETRIES QUIET_WAIT PROBE_SECONDS \
  FLOOD_CONNECTIONS MIGRATION_MAX_SECONDS BASELINE_PAIRS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "bench: $v must be a non-negative integer, got '${!v}'" >&2; exit 2; }
done
for v in INGEST FIXED_READS RANDOM_READS FLOOD; do
  [[ ${!v} == 0 || ${!v} == 1 ]] || { echo "bench: BENCH_$v must be 0 or 1, got '${!v}'" >&2; exit 2; }
done
[[ $LOAD == http || $LOAD == file ]] || { echo "bench: BENCH_LOAD must be http or file, got '$LOAD'" >&2; exit 2; }
((THREADS >= 1 && CONNS >= THREADS && PHASE_SECONDS >= 1 && ROWS >= 1 && FLOOD_CONNECTIONS >= 1)) ||
  { echo "bench: need BENCH_THREADS >= 1, BENCH_CONNECTIONS >= threads, BENCH_SECONDS >= 1, BENCH_ROWS >= 1, BENCH_FLOOD_CONNECTIONS >= 1" >&2; exit 2; }
[[ -z $BASELINE_REV || $BASELINE_REV =~ ^[A-Za-z0-9._/-]+$ ]] || { echo "bench: BENCH_BASELINE must be a git revision" >&2; exit 2; }
[[ -z $MIX_WEIGHTS || $MIX_WEIGHTS =~ ^[a-z_]+:[0-9]+(,[a-z_]+:[0-9]+)*$ ]] ||
  { echo "bench: BENCH_MIX_WEIGHTS is kind:weight,kind:weight,…" >&2; exit 2; }

BASELINE_ENABLED=0
if ((INGEST)) && [[ -n $BASELINE_REV || -n $BASELINE_BIN ]]; then BASELINE_ENABLED=1; fi
