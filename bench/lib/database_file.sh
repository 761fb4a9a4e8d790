# bench/run.sh stage: a database written directly (BENCH_LOAD=file, and the
# big-database variant BENCH_DATABASE_ROWS=N) instead of the bulk load over
# HTTP. bench/make_database.cpp writes the FastAPI service's layout (the
# messages table only, user_version 0); the server migrates it at its first
# start and builds its aggregates and text index with its own code. Measured
# here: the generation, the migration (exec to ready, and to the text index
# built and caught up), the memory it took, and whether /stats after it
# equals figures computed on the file beforehand with sqlite3.

GEN_DB_ROWS=0

# The key of a cached file: the rows and the code that decides their content.
database_cache_file() {
  local hash
  hash=$(cat bench/message_content.hpp bench/make_database.cpp | sha256sum | cut -c1-12)
  echo "$DATABASE_CACHE/messages-$ROWS-$hash.db"
}

stage_generate_database() {
  local t0 cached=""
  [[ -n $DATABASE_CACHE ]] && cached=$(database_cache_file)
  t0=$(now_ms)
  if [[ -n $cached && -f $cached ]]; then
    log "copying the $ROWS-row database from $cached (BENCH_DATABASE_CACHE)"
    cp "$cached" "$DB"
    GEN_DB_HOW="copied from BENCH_DATABASE_CACHE ($cached)"
  else
    log "writing a $ROWS-row database with make_database"
    "$MAKE_DATABASE" --out "$DB" --count "$ROWS" --prefix gen 2>"$WORK/make_database.log" ||
      { cat "$WORK/make_database.log" >&2; die "make_database failed"; }
    GEN_DB_HOW=$(sed -n 's/^make_database: //p' "$WORK/make_database.log" | tail -1)
    if [[ -n $cached ]]; then
      mkdir -p "$DATABASE_CACHE"
      cp "$DB" "$cached.partial" && mv "$cached.partial" "$cached"
    fi
  fi
  GEN_DB_MS=$(($(now_ms) - t0))
  GEN_DB_BYTES=$(stat -c %s "$DB")
  GEN_DB_ROWS=$ROWS
  log "  database file: $(mib $((GEN_DB_BYTES / 1024))) in $((GEN_DB_MS / 1000)) s ($GEN_DB_HOW)"

  # What /stats must say after the migration, from the file itself.
  t0=$(now_ms)
  REF_SUMMARY=$(sqlite3 -json "$DB" \
    'SELECT COUNT(*) AS total_messages, COUNT(DISTINCT from_msisdn) AS senders_count,
            MIN(ts) AS first_message_ts, MAX(ts) AS last_message_ts FROM messages;' | jq -S -c '.[0]')
  REF_TOP=$(sqlite3 -json "$DB" \
    'SELECT from_msisdn AS "from", COUNT(*) AS count FROM messages
      GROUP BY from_msisdn ORDER BY count DESC, from_msisdn LIMIT 10;' | jq -S -c '.')
  REF_MS=$(($(now_ms) - t0))
  (($(jq -r '.total_messages' <<<"$REF_SUMMARY") == ROWS)) || die "make_database wrote $(jq -r '.total_messages' <<<"$REF_SUMMARY") rows, not $ROWS"
}

# After the first start on the generated file (start_server has returned).
stage_measure_migration() {
  MIGRATION_READY_MS=$READY_MS
  MIGRATION_READY_HWM_KIB=$(proc_status_kib "$SERVER_PID" VmHWM)
  log "  migrated: ready after $((MIGRATION_READY_MS / 1000)).$(printf '%03d' $((MIGRATION_READY_MS % 1000))) s; waiting for the text index"
  if wait_for_text_index "$SERVER_LOG" "$MIGRATION_MAX_SECONDS"; then
    MIGRATION_INDEX_MS=$TEXT_INDEX_MS
    MIGRATION_INDEX_LOG_S=$TEXT_INDEX_LOG_S
  else
    MIGRATION_INDEX_MS=""
    MIGRATION_INDEX_LOG_S=""
    check_failed "the text index was not built within BENCH_MIGRATION_MAX_SECONDS=$MIGRATION_MAX_SECONDS s of the first start"
  fi
  MIGRATION_HWM_KIB=$(proc_status_kib "$SERVER_PID" VmHWM)
  # Each file with its WAL: what the migration and the index wrote so far.
  MIGRATED_DB_BYTES=$(file_bytes "$DB" "$DB-wal")
  MIGRATED_TEXT_BYTES=$(file_bytes "$DB-text" "$DB-text-wal")
  log "  text index built after $((${MIGRATION_INDEX_MS:-0} / 1000)) s from exec (the server logged ${MIGRATION_INDEX_LOG_S:-?} s); VmHWM $(mib "$MIGRATION_HWM_KIB")"

  local stats summary top
  stats=$(stats_json) || die "/stats failed after the migration"
  summary=$(jq -S -c '{total_messages, senders_count, first_message_ts, last_message_ts}' <<<"$stats")
  top=$(jq -S -c '.messages_per_sender' <<<"$stats")
  if [[ $summary == "$REF_SUMMARY" && $top == "$REF_TOP" ]]; then
    MIGRATION_STATS_CHECK="equal to the file's own figures (sqlite3 before the first start: count, distinct senders, min/max ts, top 10)"
  else
    MIGRATION_STATS_CHECK="DIFFERENT from the file's own figures: /stats $summary top $top; sqlite3 $REF_SUMMARY top $REF_TOP"
    check_failed "/stats after the migration differs from the generated file (see the report)"
  fi
}
