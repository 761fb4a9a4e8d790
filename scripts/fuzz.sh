#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.cpp, clang, ASan + UBSan) in
# build-fuzz/ and runs each for FUZZ_SECONDS seconds (default 20), starting
# from the seed corpus in tests/fuzz/corpus/<target>/ plus what earlier runs
# found (build-fuzz/corpus/<target>/, never written into the repository).
#
#   scripts/fuzz.sh                      every target, FUZZ_SECONDS each
#   FUZZ_SECONDS=600 FUZZ_JOBS=2 scripts/fuzz.sh webhook_payload
#
# FUZZ_JOBS runs that many targets at once (default 1; the machine has 2 cores).
# A crash stops the run with the input under build-fuzz/artifacts/; replay it
# with build-fuzz/fuzz_<target> <file>. The last line is
# `fuzz-total {"<target>":executions,...,"total":N}`.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-1}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}

bash scripts/install-deps.sh fuzz
if [[ ! -f "$build_dir/build.ninja" ]]; then
  CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DWEBHOOKD_FUZZ=ON >/dev/null
fi
cmake --build "$build_dir" -j "${JOBS:-2}" --target fuzzers

targets=("$@")
if ((${#targets[@]} == 0)); then
  for source in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$source" .cpp)
    targets+=("${name#fuzz_}")
  done
fi

# Longest input per target: a webhook body may be 64 KiB, a URL 8 KiB.
max_len() {
  case "$1" in
    webhook_payload) echo 65600 ;;
    query) echo 8192 ;;
    # past the 8 KiB target and field value limits
    request_screen) echo 20000 ;;
    *) echo 4096 ;;
  esac
}

mkdir -p "$build_dir/artifacts" "$build_dir/logs"
run_one() {
  local target=$1
  local corpus="$build_dir/corpus/$target"
  mkdir -p "$corpus"
  # UBSan findings are fatal (-fno-sanitize-recover); leaks are reported too.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1} \
    "$build_dir/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
      -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$target")" \
      -artifact_prefix="$build_dir/artifacts/$target-" \
      "$corpus" "tests/fuzz/corpus/$target" >"$build_dir/logs/$target.log" 2>&1
}

declare -A status
pids=()
names=()
for target in "${targets[@]}"; do
  [[ -x "$build_dir/fuzz_$target" ]] || { echo "fuzz: no target fuzz_$target" >&2; exit 2; }
  echo "fuzz: $target for ${seconds} s" >&2
  run_one "$target" &
  pids+=($!)
  names+=("$target")
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" && status[${names[0]}]=0 || status[${names[0]}]=$?
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" && status[${names[$i]}]=0 || status[${names[$i]}]=$?
done

failed=0
total=0
summary=""
for target in "${targets[@]}"; do
  log="$build_dir/logs/$target.log"
  executions=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
  executions=${executions:-0}
  rate=$(awk '/stat::average_exec_per_sec:/ {print $2}' "$log" | tail -1)
  echo "fuzz: $target: ${executions} executions (${rate:-?}/s), exit ${status[$target]}" >&2
  if [[ ${status[$target]} != 0 ]]; then
    failed=1
    grep -E "ERROR|SUMMARY|Test unit written|runtime error|==[0-9]+==" "$log" | head -20 >&2 || true
  fi
  total=$((total + executions))
  summary+="\"$target\":$executions,"
done
echo "fuzz-total {${summary}\"seconds_each\":$seconds,\"total\":$total}"
exit "$failed"
