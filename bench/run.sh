#!/usr/bin/env bash
# webhookd benchmark: a Release build, one server on loopback, wrk at 64
# connections, a fixed set of phases, a Markdown table.
#
#   bash bench/run.sh                                    # what `make bench` runs (1M rows)
#   BENCH_ROWS=200000 BENCH_SECONDS=5 bash bench/run.sh  # a quicker run
#   BENCH_LOAD=file bash bench/run.sh                    # the 1M rows generated, not bulk-loaded
#   BENCH_DATABASE_ROWS=10000000 bash bench/run.sh       # `make bench-10m`: the 10M read pass
#   BENCH_POSTGRES=1 bash bench/run.sh                   # every phase on PostgreSQL (bench/lib/postgres.sh)
#
# The stages live in bench/lib/*.sh, one file each, sourced in this order:
# config (the knobs below), common (logging, cleanup, clocks), build, server,
# phases (one wrk phase: run, measure, retry), database_file, ingest, reads,
# flood, checks, baseline (acceptance 2: ingest against an older revision),
# report.
#
# Phases, in this order, each after the server has gone quiet again (a 2 s
# warm-up on the null handler comes first and is not reported):
#   null          POST /_bench/null: one actor round trip, no work (the yardstick;
#                 bench/null.lua does the same client work as bench/ingest.lua)
#   null, plain wrk  the same route with one fixed request and no Lua: what the
#                 cheapest client gets, to show the scripts' own cost
#   ingest        unique signed webhooks, each line of the request file once
#   duplicate     re-deliveries of stored message_ids with other bodies
#   ingest, live  unique webhooks again, ts in arrival order after the data (a
#                 live sender's order; the first phase spreads ts over the year)
#   bulk load     unique webhooks until the table holds BENCH_ROWS rows, as fast
#                 as wrk can push them (not time-bounded: it ends on the last row)
#   then, at BENCH_ROWS rows, the fixed-URL reads: /messages plain, deep offset
#   (offset = rows/2), from=<busiest sender>, since=<mid-year>, q=<word>,
#   q=<2 letters>, all three combined (all with limit=50), /stats, /messages at
#   a random offset per request (bench/get_spread.lua). Each fixed-URL phase
#   follows four unreported requests to its URL (see WARMUP_REQUESTS).
#   then the random-value reads of issue 12 (bench/get_random.lua; values drawn
#   per request, so no cache can serve a phase by remembering a query):
#   limit=100&offset=K, since, from, q of 3+ characters (frequencies 0.01-30 %),
#   q of 1-2 characters, q absent, from+since, from+offset, since+offset, q+from,
#   and a mix of all of them; the exact distributions are in the report. The q
#   vocabulary is measured on the database first (bench/make_vocabulary.cpp).
#   then the null handler again, and the absent-word flood: 64 connections of
#   absent-word searches beside a few connections of plain /messages and of
#   POST /webhook (their p99), and a second flood that ends with SIGTERM to the
#   server (time to exit, exit status; 0 within 5 s).
#   last, with the server stopped and the checks done: unique ingest of this
#   build against the server of BENCH_BASELINE (cb7d6fd) in alternating runs on
#   fresh databases (issue 12, acceptance 2).
#
# With BENCH_LOAD=file the table is not bulk-loaded over HTTP: before the first
# start, bench/make_database.cpp writes BENCH_ROWS rows directly, in the FastAPI
# service's layout (the messages table only); the server migrates the file and
# builds its aggregates and text index at its first start, which is timed (to
# ready, and to the text index built and caught up). The ingest phases still
# run, on top of those rows. BENCH_DATABASE_ROWS=N is the big-database variant:
# BENCH_LOAD=file with N rows, and only the null handler, the random-value
# reads and the flood (BENCH_INGEST=0 BENCH_FIXED_READS=0 unless set), to
# bench/results/latest-<N/10^6>m.md.
#
# Correctness checks (the run fails loudly if one does not hold):
#   - every 200 to a new message is a stored row: rows stored == generated rows +
#     preflight + 200s of the ingest, bulk and flood phases + those requests
#     that wrk abandoned in flight at the end of a phase and that the server
#     still stored (each is identified by message_id through the echoed
#     X-Request-ID and looked up in the database after the server stopped);
#   - the duplicate phase adds no row, and the first stored version wins;
#   - the server exits 0 on SIGTERM, every time.
# Checked and reported, failing the run (exit 1) only after the report is
# written: every absent-word answer has total 0; SIGTERM during the flood
# exits 0 within 5 s; /stats after a migration equals the generated file's
# own figures; the text index is built within BENCH_MIGRATION_MAX_SECONDS.
# Also measured: the server's peak resident memory (VmHWM at the end, VmRSS
# and its private part RssAnon sampled every 0.5 s), the CPU the server, wrk and everything else on the
# machine used per phase (a busy machine skews every figure: the "other CPU"
# column shows it), and the time from exec to the first 200 on /health/ready
# when restarting on the full database.
#
# Reports go to stdout and to bench/results/latest.md; the server's logs, wrk
# output and database live in a temporary directory, removed at the end
# (kept when the run fails, or with BENCH_KEEP=1).
#
# Environment (all optional):
#   BENCH_SECONDS=10        duration of every timed phase (and of each flood)
#   BENCH_ROWS=1000000      rows in the table for the read phases
#   BENCH_LOAD=http         http: bulk load over POST /webhook; file: generate the
#                           rows with make_database and let the server migrate them
#   BENCH_DATABASE_ROWS=    N: the big-database variant (above); make bench-10m
#   BENCH_DATABASE_CACHE=   a directory where a generated file is kept and reused
#                           (keyed by rows and the content code), to save time
#                           while developing
#   BENCH_MIGRATION_MAX_SECONDS=3600  limit for the first start on a generated file
#   BENCH_INGEST=1          0: no unique-ingest and duplicate phases
#   BENCH_FIXED_READS=1     0: no fixed-URL read phases
#   BENCH_RANDOM_READS=1    0: no random-value read phases
#   BENCH_FLOOD=1           0: no absent-word flood (the server is stopped as usual)
#   BENCH_FLOOD_CONNECTIONS=4  connections of each of the two wrks beside the flood
#   BENCH_BASELINE=cb7d6fd  the revision whose server the unique ingest is compared
#                           with (built once, from git archive, in
#                           <BENCH_BUILD_DIR>-baseline-<rev>/); empty: no comparison.
#                           Only where ingest is measured (BENCH_INGEST=1)
#   BENCH_BASELINE_BIN=     a webhookd binary to compare with instead of building one
#   BENCH_BASELINE_PAIRS=3  pairs of alternating runs
#   BENCH_MIX_WEIGHTS=      the mix's weights, e.g. plain:10,offset:15,… (the kinds of
#                           bench/get_random.lua; default in that script)
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
#   BENCH_OUT=bench/results/latest.md (latest-<N>m.md with BENCH_DATABASE_ROWS)
#   BENCH_Q_WORD=invoice BENCH_Q_SHORT=ok BENCH_SINCE=2024-07-01T00:00:00Z
#   BENCH_MAX_OTHER_CPU=0.15  cores other processes may use during a phase
#                           before it counts as disturbed
#   BENCH_QUIET_WAIT=120    seconds, in all, to wait before phases for the machine
#                           to be that quiet (at most 30 s per phase; 0: never wait)
#   BENCH_RETRIES=2         extra runs of a disturbed phase (all but the bulk
#                           load and the floods); the run with the least other CPU
#                           is reported
#   BENCH_PROBE_SECONDS=3   a null-handler run this long just before each timed
#                           phase other than the null ones and the bulk load: the
#                           "adjacent null" of that phase (0: no probes)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
for stage in config common build server postgres phases database_file ingest reads flood checks baseline report; do
  # shellcheck source=/dev/null
  source "bench/lib/$stage.sh"
done

# ------------------------------------------------------------------ build
build_all

# ------------------------------------------------------------------ start
log "work directory $WORK"
awk -v n="$(nproc)" '{ exit !($1 > n / 2) }' /proc/loadavg &&
  log "warning: load average $LOAD_BEFORE before the run: other work on this machine will skew the figures"
SERVER_LOG="$WORK/server.log"
((PG_BENCH)) && [[ -z ${BENCH_DATABASE_URL:-} ]] && start_own_postgres
if [[ $LOAD == file ]]; then
  stage_generate_database
  start_server "$SERVER_LOG" "$MIGRATION_MAX_SECONDS"
  stage_measure_migration
else
  start_server "$SERVER_LOG"
fi
FIRST_READY_MS=$READY_MS
log "server pid $SERVER_PID on $BASE, ready after ${READY_MS} ms ($([[ $LOAD == file ]] && echo "migrated $ROWS generated rows" || echo "empty database"))"
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

# ------------------------------------------------------------------ phases
run_phase "null handler" null.lua "$PHASE_SECONDS" file="$WORK/null.tsv" threads="$THREADS"
NULL_RPS=${R[null handler,rps]}
run_phase "null handler, plain wrk" null_plain.lua "$PHASE_SECONDS" file="$WORK/null.tsv"

if ((INGEST)); then
  stage_unique_ingest
  stage_duplicates
  stage_live_ingest
fi
[[ $LOAD == http ]] && stage_bulk_load
ROWS_AT_READ=$(rows_now)

# The q phases measure the text index, not its catching up (and merging) after
# the ingest phases or a bulk load.
INDEX_WAIT_MS=0
if ((RANDOM_READS || FIXED_READS || FLOOD)); then
  index_wait_start=$(now_ms)
  wait_for_text_index "$SERVER_LOG" "$MIGRATION_MAX_SECONDS" ||
    check_failed "the text index had not caught up $MIGRATION_MAX_SECONDS s after the bulk load"
  wait_for_index_merge "$MIGRATION_MAX_SECONDS" ||
    check_failed "the text index had not merged its segments within $MIGRATION_MAX_SECONDS s before the reads"
  INDEX_WAIT_MS=$(($(now_ms) - index_wait_start))
fi
((FIXED_READS)) && stage_fixed_reads
((RANDOM_READS || FLOOD)) && stage_prepare_random_values
((RANDOM_READS)) && stage_random_reads
run_phase "null handler (again)" null.lua "$PHASE_SECONDS" file="$WORK/null.tsv" threads="$THREADS"

# The yardstick for the ratios: of the two null-handler phases, the one other
# work disturbed less (the first one unless the second was clearly quieter).
NULL_REF="null handler"
awk -v a="${R[null handler (again),other_cpu]}" -v b="${R[null handler,other_cpu]}" 'BEGIN { exit !(a < b - 0.05) }' &&
  NULL_REF="null handler (again)"
NULL_RPS=${R[$NULL_REF,rps]}

((FLOOD)) && flood_run measured 0
settle
FINAL_STATS=$(stats_json)
STATS_TOTAL=$(jq -r '.total_messages' <<<"$FINAL_STATS")
if ((FLOOD)); then
  flood_run sigterm 1  # stops the server; sets HWM_KIB, RSS_END_KIB, STOP_MS
else
  HWM_KIB=$(proc_status_kib "$SERVER_PID" VmHWM)
  RSS_END_KIB=$(proc_status_kib "$SERVER_PID" VmRSS)
  stop_server
fi
stop_sampler
RSS_MAX_KIB=$(awk '$1 > m {m = $1} END {print m + 0}' "$WORK/rss.txt")
ANON_MAX_KIB=$(awk '$2 > m {m = $2} END {print m + 0}' "$WORK/rss.txt")
LOG_LINES=$(wc -l <"$SERVER_LOG")
LOG_BYTES=$(stat -c %s "$SERVER_LOG")
NON_JSON=$(grep -vc '^{.*}$' "$SERVER_LOG" || true)

# ------------------------------------------------------------------ checks
stage_check_rows
stage_restarts
((BASELINE_ENABLED)) && stage_baseline_compare

# ------------------------------------------------------------------ report
write_report
if ((${#CHECK_FAILURES[@]} > 0)); then
  FAILED=1
  log "FAIL: ${#CHECK_FAILURES[@]} check(s) failed (listed at the end of the report)"
  exit 1
fi
