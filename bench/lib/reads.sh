# bench/run.sh stage: the read phases on the full table — the fixed-URL
# phases (one query over and over, which the query actors' caches may serve),
# and the random-value phases of issue 12 (bench/get_random.lua: values drawn
# per request, so no cache can serve a phase by remembering one query).

# Fixed URLs. Before each, a few unreported requests: the first answer to a
# new filter set may count the whole table once in each query actor, which is
# not what these phases measure.
WARMUP_REQUESTS=4
stage_fixed_reads() {
  local stats entry i
  stats=$(stats_json)
  BUSY=$(jq -r '.messages_per_sender[0].from' <<<"$stats")
  BUSY_COUNT=$(jq -r '.messages_per_sender[0].count' <<<"$stats")
  local busy_q=${BUSY/+/%2B}
  DEEP=$((ROWS_AT_READ / 2))
  local reads=(
    "GET /messages|/messages?limit=50"
    "GET /messages offset=$DEEP|/messages?limit=50&offset=$DEEP"
    "GET /messages from=$BUSY|/messages?limit=50&from=$busy_q"
    "GET /messages since=$SINCE|/messages?limit=50&since=$SINCE"
    "GET /messages q=$Q_WORD|/messages?limit=50&q=$Q_WORD"
    "GET /messages q=$Q_SHORT|/messages?limit=50&q=$Q_SHORT"
    "GET /messages from+since+q|/messages?limit=50&from=$busy_q&since=$SINCE&q=$Q_WORD"
    "GET /stats|/stats"
  )
  for entry in "${reads[@]}"; do
    for ((i = 0; i < WARMUP_REQUESTS; i++)); do curl -sf -o /dev/null --max-time 60 "$BASE${entry#*|}" || true; done
    run_phase "${entry%%|*}" get.lua "$PHASE_SECONDS" "${entry#*|}"
  done
  SPREAD=$((ROWS_AT_READ > 50 ? ROWS_AT_READ - 50 : 1))
  run_phase "GET /messages random offset" get_spread.lua "$PHASE_SECONDS" "/messages?limit=50" spread="$SPREAD"
}

# The values the random phases draw from: every sender the generator can
# draw, the q vocabulary measured on this database, and the data's time range.
stage_prepare_random_values() {
  local stats first last t0
  "$GEN" --senders "$WORK/senders.txt" 2>>"$WORK/gen.log" || die "make_requests --senders failed"
  stats=$(stats_json)
  first=$(jq -r '.first_message_ts' <<<"$stats")
  last=$(jq -r '.last_message_ts' <<<"$stats")
  SINCE_MIN=$(date -u -d "$first" +%s) || die "cannot read first_message_ts '$first'"
  SINCE_MAX=$(date -u -d "$last" +%s) || die "cannot read last_message_ts '$last'"
  SINCE_RANGE="$first .. $last"
  log "measuring the q vocabulary on the database"
  mkdir -p "$WORK/vocabulary"
  t0=$(now_ms)
  "$MAKE_VOCABULARY" --database "$(vocabulary_database)" --out-dir "$WORK/vocabulary" 2>"$WORK/vocabulary.log" ||
    { cat "$WORK/vocabulary.log" >&2; die "make_vocabulary failed"; }
  VOCABULARY_MS=$(($(now_ms) - t0))
  sed 's/^make_vocabulary: /  /' "$WORK/vocabulary.log" >&2
  RANDOM_ARGS=(rows="$ROWS_AT_READ" since_min="$SINCE_MIN" since_max="$SINCE_MAX"
    senders="$WORK/senders.txt" words="$WORK/vocabulary/words.tsv" short="$WORK/vocabulary/short.tsv"
    absent="$WORK/vocabulary/absent.tsv")
}

# One line of the report per q file: how many values, which frequencies.
vocabulary_summary() {  # file
  awk -F'\t' '{ f[NR] = $2; w[NR] = $1 } END {
    printf "%d values, frequency %.4g %% to %.4g %% (median %.4g %%), e.g. %s (%.3g %%), %s (%.3g %%)",
      NR, f[NR] * 100, f[1] * 100, f[int((NR + 1) / 2)] * 100, w[1], f[1] * 100, w[NR], f[NR] * 100 }' "$1"
}

# Kinds of bench/get_random.lua, in the order of the table, with their names.
RANDOM_KINDS=(
  "offset|GET /messages random: limit=100&offset=K"
  "since|GET /messages random: since"
  "from|GET /messages random: from"
  "q|GET /messages random: q, 3+ characters"
  "short|GET /messages random: q, 1-2 characters"
  "absent|GET /messages random: q absent"
  "from_since|GET /messages random: from+since"
  "from_offset|GET /messages random: from+offset"
  "since_offset|GET /messages random: since+offset"
  "q_from|GET /messages random: q+from"
  "mix|GET /messages random: mix"
)
random_phase_name() {  # kind
  local entry
  for entry in "${RANDOM_KINDS[@]}"; do
    [[ ${entry%%|*} == "$1" ]] && { echo "${entry#*|}"; return 0; }
  done
  return 1
}

stage_random_reads() {
  local entry kind name hits checked weights=()
  [[ -n $MIX_WEIGHTS ]] && weights=(weights="$MIX_WEIGHTS")
  for entry in "${RANDOM_KINDS[@]}"; do
    kind=${entry%%|*}
    name=${entry#*|}
    run_phase "$name" get_random.lua "$PHASE_SECONDS" kind="$kind" "${RANDOM_ARGS[@]}" "${weights[@]}"
  done
  name=$(random_phase_name absent)
  hits=$(jq -r '.absent_hits' <<<"${R[$name,json]}")
  checked=$(jq -r '.absent_checked' <<<"${R[$name,json]}")
  ABSENT_CHECK="$checked answers 200 checked, $hits with a total other than 0"
  ((hits == 0)) || check_failed "q absent: $hits of $checked answers had a total other than 0 (a word thought absent was found)"
}
