# bench/run.sh stage: the Markdown report — the table of every phase, the
# values the random phases drew from, the flood, the migration of a generated
# database, memory and readiness, and issue 12's acceptance figures — written
# to $WORK/latest.md, copied to $OUT and printed.

ratio_to_null() { awk -v a="$1" -v b="$NULL_RPS" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
p99_ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
# meets value op limit → "yes"/"no"
meets() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=" ? v <= l : v >= l); print (ok ? "yes" : "**no**") }'; }

report_table() {
  local name local_null adjacent adjacent_ratio
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
    printf '| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "${R[$name,rps]}" \
      "$(ratio_to_null "${R[$name,rps]}")" "$adjacent" "$adjacent_ratio" \
      "$(ms "${R[$name,p50]}")" "$(ms "${R[$name,p99]}")" "${R[$name,non2xx]}" "${R[$name,errors]}" \
      "${R[$name,server_cpu]}" "${R[$name,wrk_cpu]}" "${R[$name,other_cpu]}"
  done
}

report_random_values() {
  local mix_name drawn
  echo "Random-value phases (bench/get_random.lua; every request draws its values, uniformly, from a generator seeded per wrk thread):"
  echo
  echo "- offset: \`limit=100&offset=K\`, K uniform in [0, $ROWS_AT_READ)."
  echo "- since: \`since=T\`, T a whole second uniform over the data's range $SINCE_RANGE (first to last ts in /stats), written YYYY-MM-DDTHH:MM:SSZ."
  echo "- from: \`from=S\`, S uniform over all $(wc -l <"$WORK/senders.txt") senders make_requests draws from (\`make_requests --senders\`), written %2B…."
  echo "- q, 3+ characters: W uniform over $(vocabulary_summary "$WORK/vocabulary/words.tsv"); words, words with punctuation and two-word phrases of the generator's vocabulary, up to 25 drawn from each quarter decade of document frequency in [0.01 %, 30 %] (so the frequencies are about log-uniform), measured on this database by make_vocabulary (fraction of messages whose text contains W, ASCII case-insensitive)."
  echo "- q, 1-2 characters: W uniform over $(vocabulary_summary "$WORK/vocabulary/short.tsv"); letter pairs and 1-2 character Unicode words, up to 6 per quarter decade."
  echo "- q absent: W uniform over $(wc -l <"$WORK/vocabulary/absent.tsv") random strings of 5-10 letters that no text contains (checked against every run of ASCII letters in the texts); every answer checked: $ABSENT_CHECK."
  echo "- from+since: S and T as above. from+offset: \`limit=100&from=S&offset=K\`, K uniform in [0, 200) (not within each sender's count: most senders have fewer rows, so many of these pages are empty or short). since+offset: \`limit=100&since=T&offset=K\`, K uniform in [0, 1000). q+from: a 3+ character W and S."
  mix_name=$(random_phase_name mix)
  drawn=$(jq -r '.drawn | to_entries | map("\(.key) \(.value)") | join(", ")' <<<"${R[$mix_name,json]}")
  echo "- mix: one kind per request, weights (percent) ${MIX_WEIGHTS:-plain:10, offset:15, since:15, from:15, q:10, short:4, absent:1, from_since:10, from_offset:8, since_offset:7, q_from:5}; drawn in the reported run: $drawn."
  echo "- The words, their frequencies and the absent strings: \`$WORK/vocabulary/\` (kept with BENCH_KEEP=1); vocabulary measured in $((VOCABULARY_MS / 1000)) s."
  echo
}

report_flood() {
  echo "Absent-word flood: $CONNS connections searching absent words (as the q absent phase) for ${PHASE_SECONDS} s, beside them $FLOOD_CONNECTIONS connections of plain \`GET /messages\` and $FLOOD_CONNECTIONS of signed unique \`POST /webhook\` (three wrk processes; the table's three flood rows):"
  echo
  echo "- p99 beside the flood: plain /messages $(ms "$FLOOD_P99_PLAIN"), POST /webhook $(ms "$FLOOD_P99_WEBHOOK")."
  echo "- SIGTERM ${FLOOD_DELAY_S} s into a second flood: $FLOOD_EXIT (the limit: status 0 within 5 s); that flood's p99 until then: plain /messages $(ms "$FLOOD_SIGTERM_P99_PLAIN"), POST /webhook $(ms "$FLOOD_SIGTERM_P99_WEBHOOK")."
  echo
}

report_migration() {
  echo "Generated database (bench/make_database.cpp: the FastAPI service's layout, the messages table only, user_version 0; the server migrated it at its first start):"
  echo
  echo "- Written: $ROWS rows, $(mib $((GEN_DB_BYTES / 1024))), in $(awk -v m="$GEN_DB_MS" 'BEGIN { printf "%.1f", m / 1000 }') s ($GEN_DB_HOW)."
  echo "- Migration at the first start: ready (exec to first 200 on /health/ready) after $(awk -v m="$MIGRATION_READY_MS" 'BEGIN { printf "%.2f", m / 1000 }') s; text index built and caught up (\"text index built\" logged, webhookd_text_index_lag_rows 0) after $(awk -v m="${MIGRATION_INDEX_MS:-0}" 'BEGIN { printf "%.2f", m / 1000 }') s from exec (the server logged ${MIGRATION_INDEX_LOG_S:-?} s for the build); VmHWM $(mib "$MIGRATION_READY_HWM_KIB") at ready, $(mib "$MIGRATION_HWM_KIB") once indexed."
  echo "- Files once indexed (each with its WAL): database $(mib $((MIGRATED_DB_BYTES / 1024))), text index $(mib $((MIGRATED_TEXT_BYTES / 1024)))."
  echo "- /stats after it: $MIGRATION_STATS_CHECK."
  echo
}

# Issue 12's acceptance figures that this run measured, with the limit each
# must meet (1M-row limits, or 10M-row limits from 10,000,000 rows on).
report_acceptance() {
  local big=$((ROWS_AT_READ >= 10000000)) entry kind name rps p99 ing
  echo "Issue 12 acceptance figures measured here (ratios to the \"$NULL_REF\" phase):"
  echo
  echo "| figure | value | limit | met |"
  echo "|---|---:|---:|---:|"
  if ((RANDOM_READS)); then
    for entry in "${RANDOM_KINDS[@]}"; do
      kind=${entry%%|*}
      name=${entry#*|}
      rps=$(ratio_to_null "${R[$name,rps]}")
      p99=$(p99_ms "${R[$name,p99]}")
      if [[ $kind == mix ]]; then
        echo "| $name: ratio | $rps | ≥ 0.5 | $(meets "$rps" ">=" 0.5) |"
        echo "| $name: p99 | $p99 ms | ≤ $((big ? 20 : 10)) ms | $(meets "$p99" "<=" $((big ? 20 : 10))) |"
      else
        echo "| $name: ratio | $rps | ≥ 0.3 | $(meets "$rps" ">=" 0.3) |"
        echo "| $name: p99 | $p99 ms | ≤ 10 ms | $(meets "$p99" "<=" 10) |"
      fi
    done
  fi
  if ((FLOOD)); then
    echo "| flood: plain /messages p99 | $(p99_ms "$FLOOD_P99_PLAIN") ms | ≤ 10 ms | $(meets "$(p99_ms "$FLOOD_P99_PLAIN")" "<=" 10) |"
    echo "| flood: POST /webhook p99 | $(p99_ms "$FLOOD_P99_WEBHOOK") ms | ≤ 10 ms | $(meets "$(p99_ms "$FLOOD_P99_WEBHOOK")" "<=" 10) |"
    echo "| flood: SIGTERM to exit | $FLOOD_STOP_MS ms, status $FLOOD_EXIT_CODE | 0 within 5,000 ms | $([[ $FLOOD_EXIT_CODE == 0 ]] && meets "$FLOOD_STOP_MS" "<=" 5000 || echo "**no**") |"
  fi
  if ((INGEST)); then
    ing="ingest, unique"
    echo "| unique ingest: ratio | $(ratio_to_null "${R[$ing,rps]}") | ≥ 0.3 | $(meets "$(ratio_to_null "${R[$ing,rps]}")" ">=" 0.3) |"
    echo "| unique ingest: p99 | $(p99_ms "${R[$ing,p99]}") ms | ≤ 10 ms | $(meets "$(p99_ms "${R[$ing,p99]}")" "<=" 10) |"
  fi
  if ((BASELINE_ENABLED)); then
    echo "| unique ingest against $BASELINE_LABEL (median of $BASELINE_PAIRS alternating runs each) | $BASELINE_RATIO | ≥ 1.3 | $(meets "$BASELINE_RATIO" ">=" 1.3) |"
  fi
  echo "| peak RSS (VmHWM, whole run) | $(mib "$HWM_KIB") | ≤ $((big ? 96 : 64)) MiB | $(meets "$((HWM_KIB / 1024))" "<=" $((big ? 96 : 64))) |"
  # Not the acceptance figure, shown beside it: VmHWM counts the mapped
  # database pages (page cache), this only the process's own memory.
  echo "| peak private memory (RssAnon, highest 0.5 s sample) | $(mib "$ANON_MAX_KIB") | (VmHWM above is the figure) | – |"
  if ((RESTARTS > 0)); then
    local worst
    worst=$(printf '%s\n' "${READY_LIST[@]}" | sort -n | tail -1)
    echo "| ready after restart (worst of $RESTARTS) | $worst ms | ≤ 200 ms | $(meets "$worst" "<=" 200) |"
  fi
  if [[ $LOAD == file ]]; then
    echo "| migration of the generated $ROWS rows | ready $(awk -v m="$MIGRATION_READY_MS" 'BEGIN { printf "%.1f", m / 1000 }') s, indexed $(awk -v m="${MIGRATION_INDEX_MS:-0}" 'BEGIN { printf "%.1f", m / 1000 }') s | finishes, measured | $([[ -n ${MIGRATION_INDEX_MS:-} ]] && echo yes || echo "**no**") |"
  fi
  echo
}

write_report() {
  local cpu_model mem_gib fs_type revision wrk_version cmd name total
  cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  mem_gib=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
  fs_type=$(df -PT "$WORK" | awk 'NR == 2 { print $2 }')
  revision=$(GIT_OPTIONAL_LOCKS=0 git describe --always --dirty 2>/dev/null || echo unknown)
  wrk_version=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }')
  RUN_SECONDS=$(($(date +%s) - RUN_STARTED))
  local load_after
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  if [[ -n $DATABASE_ROWS ]]; then
    cmd="BENCH_DATABASE_ROWS=$DATABASE_ROWS BENCH_SECONDS=$PHASE_SECONDS make bench"
  else
    cmd="BENCH_ROWS=$ROWS BENCH_SECONDS=$PHASE_SECONDS make bench"
    [[ $LOAD == http ]] || cmd="BENCH_LOAD=file $cmd"
    ((PG_BENCH)) && cmd="BENCH_POSTGRES=1 $cmd"
  fi

  {
    echo "# webhookd benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), revision \`$revision\`, command: \`$cmd\` (whole run ${RUN_SECONDS} s)"
    echo
    echo "- Machine: $(nproc) cores ($cpu_model), $mem_gib GiB, Linux $(uname -r); database on $fs_type in \`$TMP_BASE\`"
    echo "- Storage: $(backend_description)"
    echo "- Build: \`$BUILD_DIR\`, CMAKE_BUILD_TYPE=$BUILD_TYPE (\`$CXX_FLAGS\`)"
    echo "- Load: wrk $wrk_version on loopback, -t$THREADS -c$CONNS, ${PHASE_SECONDS} s per timed phase, --timeout $WRK_TIMEOUT; wrk and the server share the machine"
    echo "- Load average (1, 5, 15 min) before the run: $LOAD_BEFORE; at the end: $load_after"
    if [[ $LOAD == file ]]; then
      echo "- Server: LOG_LEVEL=INFO, JSON logs to a file ($LOG_LINES lines, $(mib $((LOG_BYTES / 1024))) in the first run), WEBHOOKD_BENCH_ROUTES=1, on a generated $ROWS-row database (below)"
    else
      echo "- Server: LOG_LEVEL=INFO, JSON logs to a file ($LOG_LINES lines, $(mib $((LOG_BYTES / 1024))) in the first run), WEBHOOKD_BENCH_ROUTES=1, fresh database"
    fi
    echo
    report_table
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
    report_acceptance
    ((RANDOM_READS)) && report_random_values
    ((FLOOD)) && report_flood
    [[ $LOAD == file ]] && report_migration
    ((BASELINE_ENABLED)) && report_baseline
    if ((BULK_ACKED > 0)); then
      echo "- Bulk load: $BULK_ACKED rows in ${BULK_SECONDS} s through POST /webhook (req/s above = rows acknowledged per second), table at $ROWS_AT_READ rows."
    elif [[ $LOAD == file ]]; then
      echo "- Bulk load: none, the table was generated ($GEN_DB_ROWS rows); at $ROWS_AT_READ rows for the reads."
    else
      echo "- Bulk load: none needed, table at $ROWS_AT_READ rows after the ingest phase."
    fi
    local dup_text=""
    ((INGEST)) && dup_text="; the duplicate phase ($DUP_ACKED × 200 over $DUP_LINES_USED stored ids) added none"
    echo "- Rows: $DB_ROWS in the database (counted in the database after shutdown) = $GEN_DB_ROWS generated + $ACKED_TOTAL answered 200 (1 preflight, $ING_ACKED unique ingest in $ING_RUNS run(s), $BULK_ACKED bulk, $FLOOD_ACKED during the floods) + $ABANDONED_STORED of $ABANDONED requests wrk abandoned in flight at a phase's end$dup_text. Check passed."
    echo "- Memory: peak resident (VmHWM) $(mib "$HWM_KIB") over the whole run, highest VmRSS sample $(mib "$RSS_MAX_KIB"), $(mib "$RSS_END_KIB") at the end, highest RssAnon sample (private memory; VmRSS also counts the database pages the read connections map) $(mib "$ANON_MAX_KIB"); after a restart on $DB_ROWS rows: VmHWM $(mib "$RESTART_HWM")."
    echo "- Ready (exec to first 200 on /health/ready): ${FIRST_READY_MS} ms on the first start ($([[ $LOAD == file ]] && echo "migrating the generated database" || echo "empty database")); on the $DB_ROWS-row database: ${READY_LIST[*]:-–} ms ($RESTARTS restarts)."
    echo "- SIGTERM: exit status 0 every time (last stop took ${STOP_MS} ms)."
    echo "- Waiting for a quieter machine before phases: $((QUIET_SPENT_MS / 1000)) s in all (budget ${QUIET_WAIT} s); for the text index to catch up and merge before the reads: $((INDEX_WAIT_MS / 1000)) s; for its idle merge between phases: $((MERGE_WAIT_MS / 1000)) s in all."
    if ((FIXED_READS)); then
      echo "- Fixed queries: deep offset = rows/2 = $DEEP; busiest sender $BUSY ($BUSY_COUNT rows); since=$SINCE; q=$Q_WORD and q=$Q_SHORT, literal, case-insensitive; random offset uniform in [0, $SPREAD) per request (bench/get_spread.lua)."
      echo
      echo "Totals the fixed read phases saw:"
      echo
      for name in "${PHASES[@]}"; do
        [[ $name == "GET /messages random:"* || $name == flood:* ]] && continue
        total=$(jq -r '.total // empty' <<<"${R[$name,json]}")
        if [[ -n $total ]]; then echo "- $name: total $total"; fi
      done
    fi
    echo "- GET /stats: $(jq -c '{total_messages, senders_count, first_message_ts, last_message_ts}' <<<"$FINAL_STATS")"
    if ((${#CHECK_FAILURES[@]} > 0)); then
      echo
      echo "Checks that FAILED:"
      echo
      for line in "${CHECK_FAILURES[@]}"; do echo "- $line"; done
    fi
  } >"$WORK/latest.md"
  ((NON_JSON == 0)) || echo "- Warning: $NON_JSON server stdout lines were not JSON." >>"$WORK/latest.md"

  mkdir -p "$(dirname "$OUT")"
  cp "$WORK/latest.md" "$OUT"
  echo
  cat "$OUT"
  echo
  log "wrote $OUT (run took ${RUN_SECONDS} s)"
}
