#!/usr/bin/env bash
# Copies the map libraries of `prebake serve`'s preview page from npm (installed,
# pinned, by scripts/setup-serve.sh into .cache/peers) into internal/serve/preview/vendor,
# which is committed: go:embed needs the files at build time, so `go build` of a
# fresh clone works without npm, and the page needs no CDN at run time.
# Run it after changing a version in scripts/setup-serve.sh, then commit the result;
# TestVendoredLibraries fails while the copies differ from the pinned packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup-serve.sh"
nm=$root/.cache/peers/node_modules
dst=$root/internal/serve/preview/vendor
rm -rf "$dst"
mkdir -p "$dst"
cp "$nm/maplibre-gl/dist/maplibre-gl.js" "$nm/maplibre-gl/dist/maplibre-gl.css" "$dst/"
cp "$nm/maplibre-gl/LICENSE.txt" "$dst/maplibre-gl.LICENSE.txt"
cp "$nm/pmtiles/dist/pmtiles.js" "$dst/"
# pmtiles ships no licence file; its package.json names the licence.
node -e '
const p = n => require(process.argv[1] + "/" + n + "/package.json");
const out = ["maplibre-gl", "pmtiles"].map(n => `${n} ${p(n).version} ${p(n).license}`).join("\n") + "\n";
require("fs").writeFileSync(process.argv[2], out);
' "$nm" "$dst/VERSIONS"
cat "$dst/VERSIONS"
