#!/usr/bin/env bash
# Builds libcaf_core with -fsanitize=thread, same version and configuration
# as Debian's libcaf-dev, for `make test-tsan`.
#
# Why: CAF passes every message, spawn and reply through lock-free queues
# compiled into libcaf_core.so. Uninstrumented, those hand-offs are invisible
# to ThreadSanitizer, and every object that moves between actor threads is
# reported as a race (hundreds of distinct reports per test, all false). With
# an instrumented libcaf_core TSan sees CAF's synchronisation and reports only
# what is left. The headers stay Debian's (/usr/include/caf): they are the
# 0.17.6 release headers, and the library is configured like Debian's build
# (log level QUIET, memory management on), so the ABI is the same.
#
#   scripts/build-caf-tsan.sh [PREFIX]        default build-tsan/caf
#
# Source, first that works: CAF_SOURCE_DIR (an unpacked 0.17.6 tree); the
# upstream tarball of Debian's source package (`apt-get source` with a private
# deb-src list under PREFIX, leaving the system's apt configuration alone); a
# shallow git clone of the release tag from GitHub. Prints the library's path;
# does nothing when that library is already built.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${1:-build-tsan/caf}
version=$(dpkg-query -W -f='${Version}' libcaf-dev)
version=${version%%-*}  # 0.17.6-2.1+b1 -> 0.17.6
mkdir -p "$prefix"
prefix_abs=$(cd "$prefix" && pwd)
library="$prefix_abs/build/lib/libcaf_core.so"

if [[ -f "$library" && "$(cat "$prefix_abs/version" 2>/dev/null)" == "$version" ]]; then
  echo "$library"
  exit 0
fi

# Debian's source package, through apt with a configuration of our own.
fetch_with_apt() {
  local apt="$prefix_abs/apt"
  rm -rf "$apt"
  mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/download"
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    >"$apt/parts/bookworm-src.sources"
  local options=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/parts"
                 -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
  apt-get "${options[@]}" -qq update >&2 || return 1
  # Only the upstream tarball is needed (the Debian patches do not touch libcaf_core);
  # when the mirror lacks the Debian part, apt prints "Failed to fetch" for it: harmless.
  (cd "$apt/download" && apt-get "${options[@]}" -qq source --download-only "actor-framework" >&2) || true
  local tarball
  tarball=$(ls "$apt/download"/actor-framework_"$version".orig.tar.* 2>/dev/null | head -1)
  [[ -n "$tarball" ]] || return 1
  tar -xf "$tarball" -C "$apt/download"
  rm -rf "$1"
  mv "$apt/download/actor-framework-$version" "$1"
}

fetch_with_git() {
  rm -rf "$1"
  git clone --quiet --depth 1 --branch "$version" \
    https://github.com/actor-framework/actor-framework.git "$1" >&2
}

source_dir=${CAF_SOURCE_DIR:-}
if [[ -z "$source_dir" ]]; then
  source_dir="$prefix_abs/src"
  if [[ ! -f "$source_dir/libcaf_core/CMakeLists.txt" ]]; then
    fetch_with_apt "$source_dir" || fetch_with_git "$source_dir" || {
      echo "build-caf-tsan: cannot get the CAF $version source (apt-get source, git clone);" \
           "set CAF_SOURCE_DIR to an unpacked tree" >&2
      exit 1
    }
  fi
fi

# Only libcaf_core; RelWithDebInfo for readable TSan stacks. GCC's -Wtsan
# warns about std::atomic_thread_fence, which TSan does not model.
cmake -S "$source_dir" -B "$prefix_abs/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" \
  -DCAF_LOG_LEVEL=QUIET -DCAF_NO_IO=yes -DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes \
  -DCAF_NO_OPENSSL=yes -DCAF_NO_OPENCL=yes -DCAF_NO_PYTHON=yes -DCAF_NO_TOOLS=yes \
  -DCAF_NO_SUMMARY=yes >&2
cmake --build "$prefix_abs/build" -j "${JOBS:-2}" --target libcaf_core_shared >&2
[[ -f "$library" ]] || { echo "build-caf-tsan: $library was not built" >&2; exit 1; }
echo "$version" >"$prefix_abs/version"
echo "$library"
