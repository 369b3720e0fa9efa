#!/usr/bin/env bash
# Map tiles benchmark, run by `make bench`. On the production-sized synthetic
# sample (package sample: 64,000 components, 28,270 DSR), it times, on the same
# DSR points with the same options (radius 60, extent 512, zooms 0-16):
#   - the supercluster npm package under Node: index + every tile generated and
#     serialised, nothing written (supercluster_bench.mjs --no-write, median of
#     BENCH_RUNS fresh processes);
#   - prebake's equivalent work: the DSR layer clustered and every file's bytes
#     built in memory (BenchmarkDSRClusterAndSerialize);
# and prints the ratio (target: prebake >= 3x faster). Then the end-to-end time,
# file count and bytes of the DSR layer (its default view and attribute file)
# written and compressed (target < 2 s), and of the whole maptiles stage (every
# layer's default view and attribute file, the PMTiles archive) with its CPU
# time, writer included (issue 13 budget: <= 4 s CPU, <= 50 MB raw, <= 1,800 raw
# files).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PREBAKE_PEERS:-$root/.cache/peers}
runs=${BENCH_RUNS:-3}
if [ ! -f "$peers/run_bench.mjs" ] || [ ! -d "$peers/node_modules/supercluster" ]; then
  echo "bench-maptiles: peer tools missing in $peers (run scripts/setup-peers.sh)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
points=$tmp/dsr.geojson

cd "$root"
PREBAKE_BENCH_POINTS_OUT=$points go test -run '^$' \
  -bench '^Benchmark(DSRClusterAndSerialize|DSRLayerWritten|AllLayersWritten)$' \
  -benchtime "${runs}x" ./generators/maptiles/ >"$tmp/go.txt"
node "$peers/run_bench.mjs" "$runs" "$points" --no-write --out "$tmp/sc" >"$tmp/sc.json" 2>"$tmp/sc.log"

# metric NAME UNIT: the value before UNIT on benchmark NAME's line.
metric() { awk -v b="Benchmark$1-" -v u="$2" 'index($1, b) == 1 { for (i = 2; i < NF; i++) if ($(i+1) == u) print $i }' "$tmp/go.txt"; }
sc=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.n, r.median_ms.index + r.median_ms.tilesTotal, r.tiles, r.bytes)' "$tmp/sc.json")
read -r sc_points sc_ms sc_tiles sc_bytes <<<"$sc"
go_ms=$(awk -v ns="$(metric DSRClusterAndSerialize ns/op)" 'BEGIN { printf "%.1f", ns / 1e6 }')

echo "map tiles benchmark: production-sized sample, DSR layer, $(metric DSRClusterAndSerialize points | cut -d. -f1) points (supercluster read $sc_points), median of $runs runs"
printf '  supercluster 9.1.0 (Node): index + %s tiles serialised: %8.1f ms (%s bytes)\n' "$sc_tiles" "$sc_ms" "$sc_bytes"
printf '  prebake: cluster + %s files serialised:              %8.1f ms (%s bytes)\n' "$(metric DSRClusterAndSerialize files | cut -d. -f1)" "$go_ms" "$(metric DSRClusterAndSerialize bytes | cut -d. -f1)"
awk -v a="$sc_ms" -v b="$go_ms" 'BEGIN { r = a / b; printf "  ratio: prebake is %.1fx faster (target >= 3x)%s\n", r, (r >= 3 ? "" : "  ** BELOW TARGET **") }'
for b in DSRLayerWritten AllLayersWritten; do
  label="DSR layer written and compressed"
  target=" (target < 2 s)"
  if [ "$b" = AllLayersWritten ]; then label="maptiles stage (default views, attribute files, PMTiles)"; target=" (budget <= 4 s CPU, <= 50 MB, <= 1,800 files)"; fi
  awk -v l="$label" -v t="$target" -v ns="$(metric $b ns/op)" -v f="$(metric $b files)" -v by="$(metric $b bytes)" \
      -v br="$(metric $b br_bytes)" -v gz="$(metric $b gzip_bytes)" -v cpu="$(metric $b cpu-s/op)" \
      'BEGIN { printf "  %s: %.2f s%s, %.2f s CPU, %d raw files, %d raw bytes (br %d, gzip %d)\n", l, ns / 1e9, t, cpu, f, by, br, gz }'
done
