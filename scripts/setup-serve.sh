#!/usr/bin/env bash
# Installs what `prebake serve`'s browser test needs into .cache/peers, pinned:
# playwright-core (drives Debian's /usr/bin/chromium; no browser download), and
# maplibre-gl and pmtiles, whose dist files are vendored into internal/serve/preview/vendor
# (scripts/vendor-preview.sh copies them; TestVendoredLibraries checks the copies
# equal these packages), and world-atlas and topojson-client, from which
# scripts/gb-outline.mjs makes internal/serve/preview/gb-outline.geojson (TestGBOutline). Idempotent and quiet when everything is there.
# The versions match scripts/setup-browser.sh (branch mapout) where both install a package.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=$root/.cache/peers

PLAYWRIGHT_CORE=1.65.1
MAPLIBRE_GL=5.24.1
PMTILES=4.5.0
# Natural Earth's 1:50m countries as TopoJSON, and the reader that turns it into
# GeoJSON: scripts/gb-outline.mjs cuts the preview's GB outline from them.
WORLD_ATLAS=2.0.2
TOPOJSON_CLIENT=3.1.0

installed() { # installed NAME VERSION: the package is in peers at exactly that version
  local pj=$peers/node_modules/$1/package.json
  [ -f "$pj" ] && [ "$(node -p "require('$pj').version" 2>/dev/null)" = "$2" ]
}

want=()
installed playwright-core "$PLAYWRIGHT_CORE" || want+=("playwright-core@$PLAYWRIGHT_CORE")
installed maplibre-gl "$MAPLIBRE_GL" || want+=("maplibre-gl@$MAPLIBRE_GL")
installed pmtiles "$PMTILES" || want+=("pmtiles@$PMTILES")
installed world-atlas "$WORLD_ATLAS" || want+=("world-atlas@$WORLD_ATLAS")
installed topojson-client "$TOPOJSON_CLIENT" || want+=("topojson-client@$TOPOJSON_CLIENT")
if [ ${#want[@]} -gt 0 ]; then
  mkdir -p "$peers"
  [ -f "$peers/package.json" ] || echo '{"name":"prebake-peers","private":true,"type":"module"}' >"$peers/package.json"
  # --save-exact, not --no-save: npm removes packages its package.json does not
  # name on every install, so a --no-save package vanishes when the next script
  # installs one. .cache/peers/package.json is a local cache file, not the repo's.
  (cd "$peers" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --save-exact --no-audit --no-fund --loglevel=error "${want[@]}" >/dev/null)
fi
