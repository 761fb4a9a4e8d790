#!/usr/bin/env bash
# Installs the Debian bookworm packages webhookd needs to build, test and benchmark.
# Idempotent and quiet: packages already present are skipped; apt runs only when needed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev librestinio-dev libasio-dev libfmt-dev libhttp-parser-dev
  libsqlite3-dev sqlite3 libpq-dev libssl-dev nlohmann-json3-dev prometheus-cpp-dev
  libboost-test-dev
  curl jq openssl ca-certificates
)
# npm fetches the Swagger UI and Redoc bundles at build time
# (scripts/fetch-docs-assets.sh). A Node.js that already brings its own npm
# (NodeSource's) is kept: Debian's npm package would fight it.
command -v npm >/dev/null || packages+=(npm)
# Extra groups, asked for by name: `test` adds what the test suite drives (a real
# Prometheus, a PostgreSQL 15 server the tests start themselves), `bench` adds wrk
# (and the same server, for BENCH_POSTGRES=1), `fuzz` adds clang.
for extra in "$@"; do
  case "$extra" in
    bench) packages+=(wrk postgresql-15 haproxy) ;;
    fuzz) packages+=(clang libclang-rt-dev) ;;
    # tests/prometheus_integration.sh: prometheus + promtool; tests/test_browser_docs.cpp:
    # headless Chromium (and a font for its screenshot). The OpenAPI validator is an
    # npm package that tests/openapi_validator.sh installs into the build tree.
    # tests/support/postgres_server.*: initdb/pg_ctl of postgresql-15, run as the
    # `postgres` account its package creates when the tests run as root.
    test) packages+=(prometheus chromium fonts-dejavu-core postgresql-15 haproxy) ;;
    *) echo "install-deps: unknown group '$extra'" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
