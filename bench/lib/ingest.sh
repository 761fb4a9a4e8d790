# bench/run.sh stage: the write phases — unique ingest (ts over the year, and
# live: in arrival order), duplicate deliveries
# and the bulk load over HTTP — with their check that every 200 to a new
# message is a stored row (rows counted before and after each phase; the
# message_ids wrk abandoned in flight go to $WORK/unanswered.txt and are
# looked up in the database after the server stopped).
#
# Message ids: every request file of this run uses $PREFIX-<line index>, and
# NEXT_LINE is the first index no file has used yet, so files written later
# (bulk, flood) never repeat an id.

NEXT_LINE=0
ING_ACKED=0
ING_RUNS=0
BULK_ACKED=0
BULK_SECONDS=""
DUP_ACKED=0
DUP_LINES_USED=0
: >"$WORK/unanswered.txt"

# The lines per second a unique-ingest file holds: BENCH_UNIQUE_RATE, or
# 2.5 × the null handler's rate (at least 5,000/s), so it never runs out.
unique_lines_per_phase() {
  if ((UNIQUE_RATE == 0)); then
    UNIQUE_RATE=$(awk -v r="$NULL_RPS" 'BEGIN { r = int(r * 2.5); print (r < 5000 ? 5000 : r) }')
  fi
  echo $((PHASE_SECONDS * UNIQUE_RATE))
}

# ingest_run key file title: one timed unique-ingest wrk run of that file,
# checked to have stored every 200 (rows before and after); sets INGEST_ACKED
# and INGEST_UNANSWERED.
ingest_run() {
  local key=$1 file=$2 title=$3 logfile rows_before rows_after unmatched delta
  rows_before=$(rows_now)
  WRK_RUNS=$((WRK_RUNS + 1))
  logfile="$WORK/wrk-$WRK_RUNS.log"
  log "phase: $title (${PHASE_SECONDS} s)"
  measure_begin
  wrk -t"$THREADS" -c"$CONNS" -d"${PHASE_SECONDS}s" --timeout "$WRK_TIMEOUT" --latency \
    -s bench/ingest.lua "$BASE" -- file="$file" threads="$THREADS" \
    >"$logfile" 2>&1 || die "wrk failed in phase '$title' (see $logfile)"
  measure_end "$key" "$logfile"
  log_result "$key"
  settle
  rows_after=$(rows_now)
  INGEST_ACKED=$(jq -r '.acked' <<<"${R[$key,json]}")
  INGEST_UNANSWERED=$(jq -r '.unanswered | length' <<<"${R[$key,json]}")
  unmatched=$(jq -r '.unmatched' <<<"${R[$key,json]}")
  ((unmatched == 0)) || die "$unmatched responses in '$title' did not echo our X-Request-ID"
  [[ $(jq -r '.exhausted' <<<"${R[$key,json]}") == false ]] ||
    log "warning: the unique request file ran out before the phase ended (req/s is understated); raise BENCH_UNIQUE_RATE"
  delta=$((rows_after - rows_before))
  log "  ingest: $INGEST_ACKED × 200, $INGEST_UNANSWERED abandoned in flight, rows +$delta"
  ((delta >= INGEST_ACKED && delta <= INGEST_ACKED + INGEST_UNANSWERED)) ||
    die "ingest: $INGEST_ACKED requests answered 200, but the table grew by $delta rows"
}

# Unique ingest. Each run sends lines of its own (message_ids
# <prefix>-<(run-1) × UNIQUE_LINES + line>), so a run repeated because of
# other load adds rows like the first one; every run's 200s are checked.
stage_unique_ingest() {
  local name="ingest, unique" attempt ing_start key
  UNIQUE_LINES=$(unique_lines_per_phase)
  for ((attempt = 1; ; attempt++)); do
    ing_start=$(((attempt - 1) * UNIQUE_LINES))
    log "generating $UNIQUE_LINES unique requests"
    "$GEN" --secret "$SECRET" --prefix "$PREFIX" --start "$ing_start" --count "$UNIQUE_LINES" \
      --out "$WORK/unique-$attempt.tsv" --shards "$THREADS" 2>>"$WORK/gen.log"
    settle
    quiet_wait
    key="$name#$attempt"
    null_probe "$key"
    ingest_run "$key" "$WORK/unique-$attempt.tsv" "$name$( ((attempt > 1)) && echo ", run $attempt")"
    unanswered_ids "$key" "$ing_start" >>"$WORK/unanswered.txt"
    ING_ACKED=$((ING_ACKED + INGEST_ACKED))
    ING_RUNS=$attempt
    if ((attempt > RETRIES)) || ! noisy "$key"; then break; fi
    log "  other work used ${R[$key,other_cpu]} cores during the phase: running it again on fresh lines"
  done
  adopt_best "$name" "$ING_RUNS"
  NEXT_LINE=$((ING_RUNS * UNIQUE_LINES))
}

# Live ingest: unique webhooks stamped in arrival order after the data
# (make_requests --live), as a live sender delivers them, where the unique
# phase above spreads ts over the whole year (a backfill's order: every row
# lands at a random place in the ts-ordered table). Run once: it adds rows.
stage_live_ingest() {
  local name="ingest, unique, live ts" start=$NEXT_LINE key
  key="$name#1"
  log "generating $UNIQUE_LINES live unique requests"
  "$GEN" --secret "$SECRET" --prefix "$PREFIX" --start "$start" --count "$UNIQUE_LINES" --live \
    --out "$WORK/live.tsv" --shards "$THREADS" 2>>"$WORK/gen.log"
  settle
  quiet_wait
  null_probe "$key"
  ingest_run "$key" "$WORK/live.tsv" "$name"
  unanswered_ids "$key" "$start" >>"$WORK/unanswered.txt"
  ING_ACKED=$((ING_ACKED + INGEST_ACKED))
  adopt_best "$name" 1
  NEXT_LINE=$((start + UNIQUE_LINES))
}

# Duplicates: message_ids that are certainly stored. In the first ingest run
# thread t sent lines t, t+T, t+2T, … in order and at most one request per
# connection was in flight, so every line below T × (fewest lines a thread
# sent − connections per thread) was answered; all with 200 when there was
# no non-2xx.
stage_duplicates() {
  local first_json min_sent safe rows1 rows2
  rows1=$(rows_now)
  first_json=${R[ingest, unique#1,json]}
  min_sent=$(jq -r '.sent_by_thread | min' <<<"$first_json")
  safe=$((THREADS * (min_sent - (CONNS + THREADS - 1) / THREADS)))
  (($(jq -r '.non2xx' <<<"$first_json") == 0)) ||
    log "warning: the ingest phase had non-2xx answers; the duplicate set may hold unstored ids"
  DUP_LINES_USED=$((safe < DUP_LINES ? safe : DUP_LINES))
  ((DUP_LINES_USED >= 256 * THREADS)) || die "too few stored rows ($safe) for a duplicate phase (ingest too slow?)"
  "$GEN" --secret "$SECRET" --prefix "$PREFIX" --start 0 --count "$DUP_LINES_USED" --duplicates \
    --out "$WORK/duplicates.tsv" --shards "$THREADS" 2>>"$WORK/gen.log"
  run_phase "ingest, duplicates" ingest.lua "$PHASE_SECONDS" file="$WORK/duplicates.tsv" threads="$THREADS" mode=cycle
  settle
  rows2=$(rows_now)
  DUP_ACKED=$(jq -r '.acked' <<<"${R[ingest, duplicates,json]}")
  log "  duplicates: $DUP_ACKED × 200 over $DUP_LINES_USED distinct ids, rows +$((rows2 - rows1))"
  ((rows2 == rows1)) || die "the duplicate phase changed the row count from $rows1 to $rows2"
}

# Bulk load up to ROWS through the HTTP API, as fast as wrk can.
stage_bulk_load() {
  local rows2 bulk_count bulk_start name logfile last_report finished t rows3 bulk_unanswered bulk_rows wrk_pid
  rows2=$(rows_now)
  bulk_count=$((ROWS - rows2))
  bulk_start=$NEXT_LINE
  if ((bulk_count <= 0)); then
    log "no bulk load: the table already holds $rows2 rows (BENCH_ROWS=$ROWS)"
    return 0
  fi
  log "generating $bulk_count bulk requests"
  "$GEN" --secret "$SECRET" --prefix "$PREFIX" --start "$bulk_start" --count "$bulk_count" \
    --out "$WORK/bulk.tsv" --shards "$THREADS" 2>>"$WORK/gen.log"
  NEXT_LINE=$((bulk_start + bulk_count))
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
  wrk_pid=$!
  WRK_PIDS+=("$wrk_pid")
  last_report=$t0
  # Polled without forking where it matters: whatever this shell runs while
  # wrk does would count as wrk's CPU time.
  while kill -0 "$wrk_pid" 2>/dev/null; do
    finished=0
    for ((t = 0; t < THREADS; t++)); do
      [[ -e $WORK/bulk-done/thread-$t ]] && finished=$((finished + 1))
    done
    if ((finished >= THREADS)); then
      kill -INT "$wrk_pid" 2>/dev/null || true
      break
    fi
    if (($(now_ms) - last_report >= 30000)); then
      last_report=$(now_ms)
      log "  bulk: $(rows_now || echo '?') rows after $(((last_report - t0) / 1000)) s"
    fi
    sleep 0.2
  done
  wait "$wrk_pid" || die "wrk failed in the bulk load (see $logfile)"
  WRK_PIDS=()
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
  bulk_rows=$((rows3 - rows2))
  log "  bulk: $BULK_ACKED × 200 in ${BULK_SECONDS} s, $bulk_unanswered abandoned, rows +$bulk_rows (now $rows3)"
  ((bulk_rows >= BULK_ACKED && bulk_rows <= BULK_ACKED + bulk_unanswered)) ||
    die "bulk: $BULK_ACKED requests answered 200, but the table grew by $bulk_rows rows"
  [[ $(jq -r '.exhausted' <<<"${R[$name,json]}") == true ]] ||
    die "the bulk load did not finish within BENCH_BULK_MAX_SECONDS=$BULK_MAX_SECONDS s"
  unanswered_ids "$name" "$bulk_start" >>"$WORK/unanswered.txt"
}
