#!/usr/bin/env bash
# Installs the npm packages the browser tests drive Debian's chromium with, pinned:
#   playwright-core 1.65.1 (drives /usr/bin/chromium; downloads no browser of its own),
#   maplibre-gl 6.17.0 and pmtiles 4.5.0 (the map page's renderer and PMTiles protocol).
# They live in their own npm project, .cache/peers/browser (node_modules there), because
# `npm install --no-save` in .cache/peers would prune the other peers' extra packages.
# Idempotent and quiet when the pinned versions are already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/.cache/peers/browser
pins=(playwright-core@1.65.1 maplibre-gl@6.17.0 pmtiles@4.5.0)

have() { # have NAME VERSION: is NAME@VERSION installed in $dir?
  local f=$dir/node_modules/$1/package.json
  [ -f "$f" ] && grep -q "\"version\": *\"$2\"" "$f"
}
missing=0
for p in "${pins[@]}"; do have "${p%@*}" "${p##*@}" || missing=1; done
[ "$missing" = 0 ] && exit 0

command -v npm >/dev/null 2>&1 || { echo "setup-browser: npm is missing (scripts/setup-debian.sh installs it)" >&2; exit 0; }
mkdir -p "$dir"
cat >"$dir/package.json" <<'JSON'
{
  "name": "prebake-browser-peers",
  "private": true,
  "type": "module",
  "description": "Browser test tools: playwright-core drives Debian's chromium; maplibre-gl and pmtiles render the baked archive",
  "dependencies": {
    "playwright-core": "1.65.1",
    "maplibre-gl": "6.17.0",
    "pmtiles": "4.5.0"
  }
}
JSON
echo "setup-browser: installing ${pins[*]} into $dir" >&2
(cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >/dev/null)
