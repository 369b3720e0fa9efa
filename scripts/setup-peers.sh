#!/usr/bin/env bash
# Installs what the tests need beyond Go: Debian's proj-bin (cs2cs, for the OSGB
# comparison), python3-pandas (pickle sizes) and python3-django (the staticfiles.json
# check), and the peer tools' npm packages (supercluster, pmtiles, @duckdb/node-api,
# an Arrow IPC reader) into .cache/peers.
# Idempotent and quiet when everything is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${PREBAKE_SHARED:-$root/../shared}

need_apt=()
command -v cs2cs >/dev/null 2>&1 || need_apt+=(proj-bin)
/usr/bin/python3 -c "import pandas" >/dev/null 2>&1 || need_apt+=(python3-pandas)
# Real Django checks the staticfiles.json hash (TestDjangoStaticfiles).
/usr/bin/python3 -c "import django" >/dev/null 2>&1 || need_apt+=(python3-django)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup-peers: please install ${need_apt[*]}" >&2
  fi
fi

peers=$root/.cache/peers
if [ -d "$shared/peers" ] && [ ! -d "$peers/node_modules" ]; then
  mkdir -p "$peers"
  cp "$shared/peers/package.json" "$shared"/peers/*.mjs "$peers/"
  chmod -R u+w "$peers"
  (cd "$peers" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
# Arrow IPC reader for the independent table checks (DuckDB's core cannot read Arrow
# IPC without downloading an extension).
if [ -d "$peers/node_modules" ] && [ ! -d "$peers/node_modules/apache-arrow" ]; then
  (cd "$peers" && npm install --no-save --no-audit --no-fund --loglevel=error apache-arrow@21.2.0 fzstd@0.1.1 >/dev/null)
fi
