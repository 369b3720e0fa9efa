#!/usr/bin/env bash
# Installs what the tests need beyond Go: Debian packages (scripts/setup-debian.sh),
# the pinned Python venv .cache/venv (scripts/setup-python.sh), and the peer tools' npm packages (supercluster, pmtiles, @duckdb/node-api,
# an Arrow IPC reader) into .cache/peers.
# playwright-core, maplibre-gl and pmtiles for the browser tests go into .cache/peers/browser
# (scripts/setup-browser.sh).
# TypeScript (pinned) goes into .cache/peers/typescript, for the JS package test.
# Idempotent and quiet when everything is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${PREBAKE_SHARED:-$root/../shared}

bash "$root/scripts/setup-debian.sh"
bash "$root/scripts/setup-python.sh"

peers=$root/.cache/peers
if [ -d "$shared/peers" ] && [ ! -d "$peers/node_modules" ]; then
  mkdir -p "$peers"
  cp "$shared/peers/package.json" "$shared"/peers/*.mjs "$peers/"
  chmod -R u+w "$peers"
  (cd "$peers" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
# Arrow IPC reader for the independent table checks (DuckDB's core cannot read Arrow
# IPC without downloading an extension). --save-exact so that a later npm install
# (scripts/setup-serve.sh) does not remove it as extraneous.
if [ -d "$peers/node_modules" ] && [ ! -d "$peers/node_modules/apache-arrow" ]; then
  (cd "$peers" && npm install --save-exact --no-audit --no-fund --loglevel=error apache-arrow@21.2.0 fzstd@0.1.1 >/dev/null)
fi
bash "$root/scripts/setup-serve.sh"
# SeaweedFS's weed, the S3 server the publish tests start (built once into .cache/tools).
bash "$root/scripts/setup-seaweedfs.sh"
# actionlint, which checks the CI recipe's workflow (docs/ci.md).
bash "$root/scripts/setup-actionlint.sh"
bash "$root/scripts/setup-browser.sh"
# TypeScript, pinned, for js/'s type declarations (the package test compiles a page
# against them, js/package_test.go), in its own npm project so that no other
# install prunes it.
ts=$root/.cache/peers/typescript
if ! grep -qs '"version": "6.0.3"' "$ts/node_modules/typescript/package.json"; then
  mkdir -p "$ts"
  echo '{"name":"prebake-typescript","private":true}' >"$ts/package.json"
  (cd "$ts" && npm install --save-exact --no-audit --no-fund --loglevel=error typescript@6.0.3 >/dev/null)
fi
