# bench/run.sh stage: issue 12's acceptance 2 — unique ingest of this build
# against the server of an earlier revision (BENCH_BASELINE, cb7d6fd by
# default), in alternating runs, each on a fresh (empty) database and with
# the same request file, so that both binaries meet the same machine minute
# for minute. The order alternates per pair (new, old, then old, new, …):
# a machine that slows down through the comparison then costs both sides
# alike. Every run's 200s are checked to be stored rows, as in the main run.
#
# The baseline is built once from `git archive <revision>` (read from this
# checkout's object store; nothing in the checkout changes) into
# <BENCH_BUILD_DIR>-baseline-<revision>/, or given as BENCH_BASELINE_BIN.

# Sets BASELINE_SERVER_BIN (nothing when the comparison is off).
build_baseline() {
  BASELINE_SERVER_BIN=""
  ((BASELINE_ENABLED)) || return 0
  if [[ -n $BASELINE_BIN ]]; then
    [[ -x $BASELINE_BIN ]] || die "BENCH_BASELINE_BIN=$BASELINE_BIN is not an executable"
    BASELINE_SERVER_BIN=$(cd "$(dirname "$BASELINE_BIN")" && pwd)/$(basename "$BASELINE_BIN")
    return 0
  fi
  git rev-parse --verify --quiet "$BASELINE_REV^{commit}" >/dev/null ||
    die "BENCH_BASELINE=$BASELINE_REV is not a commit of this repository"
  local dir="$BUILD_DIR-baseline-$BASELINE_REV"
  if [[ ! -x $dir/build/webhookd ]]; then
    ((SKIP_BUILD == 0)) || die "no $dir/build/webhookd and BENCH_SKIP_BUILD=1 (run once without it, or set BENCH_BASELINE=)"
    log "building the baseline webhookd of $BASELINE_REV (Release) in $dir (once)"
    rm -rf "$dir/src"
    mkdir -p "$dir/src"
    git archive "$BASELINE_REV" | tar -x -C "$dir/src" || die "git archive $BASELINE_REV failed"
    cmake -S "$dir/src" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$WORK/baseline-cmake.log" 2>&1 ||
      { cat "$WORK/baseline-cmake.log" >&2; die "cmake configure of the baseline failed"; }
    cmake --build "$dir/build" -j2 --target webhookd >"$WORK/baseline-build.log" 2>&1 ||
      { tail -40 "$WORK/baseline-build.log" >&2; die "build of the baseline failed"; }
  fi
  BASELINE_SERVER_BIN=$(cd "$dir/build" && pwd)/webhookd
}

BASELINE_KEYS=()  # "side|key" of each comparison run, in order
stage_baseline_compare() {
  local lines pair side order key main_db=$DB main_bin=$SERVER_BIN main_log=$SERVER_LOG
  lines=${UNIQUE_LINES:-$(unique_lines_per_phase)}
  log "comparing unique ingest with $BASELINE_LABEL: $BASELINE_PAIRS alternating pairs"
  "$GEN" --secret "$SECRET" --prefix "${PREFIX}-cmp" --start 0 --count "$lines" \
    --out "$WORK/compare.tsv" --shards "$THREADS" 2>>"$WORK/gen.log"
  for ((pair = 1; pair <= BASELINE_PAIRS; pair++)); do
    order="new baseline"
    ((pair % 2 == 0)) && order="baseline new"
    for side in $order; do
      DB="$WORK/compare-$side-$pair.db"
      SERVER_LOG="$WORK/compare-$side-$pair.log"
      if [[ $side == new ]]; then SERVER_BIN=$main_bin; else SERVER_BIN=$BASELINE_SERVER_BIN; fi
      start_server "$SERVER_LOG"
      wrk -t"$THREADS" -c"$CONNS" -d2s -s bench/null.lua "$BASE" -- file="$WORK/null.tsv" threads="$THREADS" \
        >"$WORK/wrk-compare-warmup.log" 2>&1 || die "wrk warm-up failed against the $side binary"
      settle
      quiet_wait
      key="compare: $side #$pair"
      ingest_run "$key" "$WORK/compare.tsv" "unique ingest, $side binary, pair $pair of $BASELINE_PAIRS"
      BASELINE_KEYS+=("$side|$key")
      stop_server
      rm -f "$DB" "$DB"-*
    done
  done
  DB=$main_db
  SERVER_BIN=$main_bin
  SERVER_LOG=$main_log
  BASELINE_NEW_RPS=$(baseline_median new)
  BASELINE_OLD_RPS=$(baseline_median baseline)
  BASELINE_RATIO=$(awk -v a="$BASELINE_NEW_RPS" -v b="$BASELINE_OLD_RPS" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  log "  unique ingest, median req/s: this build $BASELINE_NEW_RPS, $BASELINE_LABEL $BASELINE_OLD_RPS: ratio $BASELINE_RATIO"
}

baseline_median() {  # side
  local entry
  for entry in "${BASELINE_KEYS[@]}"; do
    if [[ ${entry%%|*} == "$1" ]]; then echo "${R[${entry#*|},rps]}"; fi
  done | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); printf "%.0f\n", m }'
}

report_baseline() {
  local entry side key
  echo "Unique ingest against $BASELINE_LABEL (issue 12, acceptance 2): $BASELINE_PAIRS pairs of alternating runs (new, old, then old, new, …), each on a fresh database with the same $(wc -l <"$WORK/compare.tsv") signed requests, ${PHASE_SECONDS} s at -c$CONNS:"
  echo
  echo "| run | binary | req/s | p50 | p99 | non-2xx | server CPU | other CPU |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for entry in "${BASELINE_KEYS[@]}"; do
    side=${entry%%|*}
    key=${entry#*|}
    printf '| %s | %s | %.0f | %s | %s | %s | %s | %s |\n' "${key#compare: }" \
      "$([[ $side == new ]] && echo "this build" || echo "$BASELINE_LABEL")" "${R[$key,rps]}" \
      "$(ms "${R[$key,p50]}")" "$(ms "${R[$key,p99]}")" "${R[$key,non2xx]}" "${R[$key,server_cpu]}" "${R[$key,other_cpu]}"
  done
  echo
  echo "Median req/s: this build $BASELINE_NEW_RPS, $BASELINE_LABEL $BASELINE_OLD_RPS; ratio $BASELINE_RATIO (the limit: ≥ 1.3)."
  echo
}
