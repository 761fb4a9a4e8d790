#!/usr/bin/env bash
# Floods a fresh webhookd on 127.0.0.1 and compares its peak resident memory
# (VmHWM) with the steady state after a normal-load warm-up; checks 503 +
# Retry-After past the in-flight bound and that every 200 is a stored row.
#
#   scripts/overload-flood.sh [SECONDS] [CONNECTIONS]     default: 60 s, 2000 connections
#
# It runs tests/test_reliability_overload.cpp (the same test CTest runs with a
# short flood) from BUILD_DIR (default build/, built first if needed) and
# prints its `flood-result {...}` line. Exit status is the test's.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
connections=${2:-2000}
build_dir=${BUILD_DIR:-build}

if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" -j "${JOBS:-2}" --target webhookd test_reliability_overload >/dev/null

# The client needs one descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "overload-flood: ${seconds} s, ${connections} connections" >&2
WEBHOOKD_FLOOD_SECONDS="$seconds" WEBHOOKD_FLOOD_CONNECTIONS="$connections" \
  "$build_dir/test_reliability_overload" --log_level=message --color_output=false
