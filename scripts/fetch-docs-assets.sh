#!/usr/bin/env bash
# Fetches the browser assets of GET /docs (Swagger UI) and GET /redoc (Redoc)
# at build time, from the npm registry, at pinned versions checked against
# their registry integrity hashes, and unpacks the files webhookd embeds into
# OUT_DIR. The service never loads anything from the network at run time.
#
# usage: scripts/fetch-docs-assets.sh OUT_DIR
#
# The tarballs are kept in WEBHOOKD_NPM_CACHE (default third_party/npm in the
# repository; git ignores it, the container build context keeps it), so a
# second build, another build directory or `docker build` after a local build
# needs no network at all.
set -euo pipefail

out=${1:?usage: $0 OUT_DIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${WEBHOOKD_NPM_CACHE:-$repo/third_party/npm}

# name@version and the registry's sha512 integrity of its tarball.
packages=(
  "swagger-ui-dist@5.35.0 sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ=="
  "redoc@2.5.2 sha512-sTJfItvRkcDTojB6wdLN4M+Ua6mlZwElV21Tf8Mn7IbQF/1Os6GvgQpZyLWPGZZHbhy7GC1Or1hTMHfz1vKh5A=="
)

integrity_of() { echo "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

mkdir -p "$cache" "$out"
for entry in "${packages[@]}"; do
  spec=${entry% *}
  want=${entry#* }
  name=${spec%@*}
  version=${spec##*@}
  tarball="$cache/$name-$version.tgz"
  if [[ ! -f "$tarball" || "$(integrity_of "$tarball")" != "$want" ]]; then
    command -v npm >/dev/null || { echo "fetch-docs-assets: npm is needed to fetch $spec (scripts/install-deps.sh)" >&2; exit 1; }
    rm -f "$tarball"
    (cd "$cache" && npm pack "$spec" --silent >/dev/null)
  fi
  got=$(integrity_of "$tarball")
  if [[ "$got" != "$want" ]]; then
    echo "fetch-docs-assets: $spec does not match its pinned integrity" >&2
    rm -f "$tarball"
    exit 1
  fi
done

# The files served, and the licences that go with them.
tar -xzf "$cache/swagger-ui-dist-5.35.0.tgz" -C "$out" --strip-components=1 \
  package/swagger-ui-bundle.js package/swagger-ui.css package/LICENSE package/NOTICE
mv -f "$out/LICENSE" "$out/swagger-ui.LICENSE"
mv -f "$out/NOTICE" "$out/swagger-ui.NOTICE"
tar -xzf "$cache/redoc-2.5.2.tgz" -C "$out" --strip-components=2 package/bundles/redoc.standalone.js
tar -xzf "$cache/redoc-2.5.2.tgz" -C "$out" --strip-components=1 package/LICENSE
mv -f "$out/LICENSE" "$out/redoc.LICENSE"
# Redoc 2.5 draws a logo from cdn.redoc.ly beside "API docs by Redocly": the one
# thing either bundle would load from elsewhere. It becomes an empty data: image
# (Redoc then hides it); the page's CSP would block the request anyway.
logo=https://cdn.redoc.ly/redoc/logo-mini.svg
grep -q "$logo" "$out/redoc.standalone.js" || { echo "fetch-docs-assets: Redoc's logo URL moved; check the bundle" >&2; exit 1; }
sed -i "s#$logo#data:,#" "$out/redoc.standalone.js"
# Make them newer than the script, so the build system does not run it again.
touch "$out"/*
