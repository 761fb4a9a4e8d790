# bench/run.sh stage: after the server stopped — every 200 to a new message
# is a stored row (sqlite3 on the file, against the 200s counted by the wrk
# scripts and the ids they abandoned in flight), the first stored version
# won, and then restarts on the full database to time readiness.

stage_check_rows() {
  DB_ROWS=$(db_query 'SELECT COUNT(*) FROM messages;')
  ABANDONED=$(wc -l <"$WORK/unanswered.txt")
  ABANDONED_STORED=0
  if ((ABANDONED > 0)); then
    # Through stdin, not one argument: a SIGTERM flood abandons ~100k ids,
    # past the kernel's limit on one argument.
    local ignore="INSERT OR IGNORE INTO abandoned" conflict="" client=(sqlite3 "$DB")
    if ((PG_BENCH)); then
      ignore="INSERT INTO abandoned"
      conflict=" ON CONFLICT DO NOTHING"
      client=(psql "$PG_URL" -XAtq)
    fi
    ABANDONED_STORED=$({
      echo "CREATE TEMP TABLE abandoned (message_id TEXT PRIMARY KEY);"
      awk -v ins="$ignore" -v tail="$conflict" '{ printf "%s VALUES ('\''%s'\'')%s;\n", ins, $0, tail }' "$WORK/unanswered.txt"
      echo "SELECT COUNT(*) FROM messages WHERE message_id IN (SELECT message_id FROM abandoned);"
    } | "${client[@]}")
  fi
  ACKED_TOTAL=$((PRE_ROWS + ING_ACKED + BULK_ACKED + FLOOD_ACKED))
  EXPECTED=$((GEN_DB_ROWS + ACKED_TOTAL + ABANDONED_STORED))
  log "rows: database $DB_ROWS, /stats $STATS_TOTAL, generated $GEN_DB_ROWS, 200s to new messages $ACKED_TOTAL, abandoned in flight $ABANDONED (stored $ABANDONED_STORED)"
  # After a SIGTERM flood the webhooks went on after /stats was read: the
  # restarts compare /stats with the file instead.
  if ((!FLOOD)); then
    ((DB_ROWS == STATS_TOTAL)) || die "/stats said $STATS_TOTAL rows, the database holds $DB_ROWS"
  fi
  ((DB_ROWS == EXPECTED)) ||
    die "the database holds $DB_ROWS rows, but generated + 200s + abandoned-and-stored make $EXPECTED: a 200 was not stored, or a row appeared from nowhere"

  # The first stored version wins: the duplicate bodies differ in ts and sender.
  if ((INGEST)); then
    local id from ts got
    while IFS=$'\t' read -r id from ts; do
      got=$(db_query "SELECT from_msisdn, ts FROM messages WHERE message_id = '$id';")
      [[ $got == "$from"$'\t'"$ts" ]] || die "$id: stored ($got) is not the first delivery ($from $ts)"
    done < <(head -20 "$WORK/unique-1.tsv" | cut -f2- | jq -r '[.message_id, .from, .ts] | @tsv')
    log "checks passed: every 200 is a stored row, duplicates stored nothing, the first version won"
  else
    log "checks passed: every 200 is a stored row"
  fi
}

# Restart on the full database: exec to first 200 on /health/ready.
stage_restarts() {
  local i got hwm
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
}
