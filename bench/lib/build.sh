# bench/run.sh stage: the Release build of the server and of the bench tools
# (make_requests, make_database, make_vocabulary: EXCLUDE_FROM_ALL targets).
# Sets SERVER_BIN, GEN (make_requests), MAKE_DATABASE, MAKE_VOCABULARY,
# BUILD_TYPE and CXX_FLAGS.

build_all() {
  if [[ $SKIP_BUILD != 1 ]]; then
    log "building webhookd and the bench tools (Release) in $BUILD_DIR"
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake.log" 2>&1 ||
      { cat "$WORK/cmake.log" >&2; die "cmake configure failed"; }
    local targets=(webhookd) tool
    for tool in make_requests make_database make_vocabulary; do
      if ninja -C "$BUILD_DIR" -t targets all 2>/dev/null | grep "^$tool:" >/dev/null; then
        targets+=("$tool")
      fi
    done
    cmake --build "$BUILD_DIR" -j2 --target "${targets[@]}" >"$WORK/build.log" 2>&1 ||
      { tail -40 "$WORK/build.log" >&2; die "build failed"; }
  fi
  BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")
  [[ $BUILD_TYPE == Release ]] || die "$BUILD_DIR is a '$BUILD_TYPE' build; the benchmark measures Release builds only"
  CXX_FLAGS=$(sed -n 's/^CMAKE_CXX_FLAGS_RELEASE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")
  local build_abs
  build_abs=$(cd "$BUILD_DIR" && pwd)
  SERVER_BIN="$build_abs/webhookd"
  [[ -x $SERVER_BIN ]] || die "no $SERVER_BIN"

  # make_requests: the CMake target when the project defines one, otherwise
  # compiled here (it only needs OpenSSL's libcrypto and its content header).
  GEN="$build_abs/make_requests"
  if [[ ! -x $GEN || $GEN -ot bench/make_requests.cpp || $GEN -ot bench/message_content.hpp ]]; then
    GEN="$build_abs/bench-make_requests"
    if [[ ! -x $GEN || $GEN -ot bench/make_requests.cpp || $GEN -ot bench/message_content.hpp ]]; then
      log "compiling bench/make_requests.cpp"
      g++ -std=c++17 -O2 -Wall -Wextra -I. -o "$GEN" bench/make_requests.cpp -lcrypto ||
        die "cannot compile bench/make_requests.cpp"
    fi
  fi
  # The other two link the storage layer's SQLite wrapper: CMake targets only.
  MAKE_DATABASE="$build_abs/make_database"
  MAKE_VOCABULARY="$build_abs/make_vocabulary"
  if [[ $LOAD == file ]]; then
    [[ -x $MAKE_DATABASE ]] || die "no $MAKE_DATABASE (BENCH_LOAD=file needs the make_database target)"
  fi
  if ((RANDOM_READS || FLOOD)); then
    [[ -x $MAKE_VOCABULARY ]] || die "no $MAKE_VOCABULARY (the random reads need the make_vocabulary target)"
  fi
  build_baseline  # bench/lib/baseline.sh
}
