#!/usr/bin/env bash
# Filtered map views benchmark, run by `make bench`. Bakes the real register
# (../shared; an error without it) and, on the all layer, runs
# js/test/bench-filters.mjs under Node:
#   - a filtered view (Battery, historical) opened at the GB view (zoom 6) and
#     zoomed in one level at a time to 14: time, files and bytes fetched per step
#     (the attribute file once, then nothing: every zoom is clustered in the client);
#   - the default view from its baked tile set maptiles/default/all, the same steps;
#   - the re-cluster time of the all layer after a filter change (attribute file
#     loaded; select + cluster down to zoom 6 + query), median of BENCH_RUNS, for
#     five filter sets, against the budget of 150 ms (reported, never asserted),
#     beside the supercluster npm package doing the same in the same run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${PREBAKE_SHARED:-$root/../shared}
runs=${BENCH_RUNS:-5}
if [ ! -d "$shared/data/register" ]; then
  echo "bench-filters: the real register is missing ($shared/data/register)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
go run ./cmd/prebake build --source "$shared/data/register/components_*.json" \
  --source "$shared/data/register/cmu_register_rows.json" \
  --postcodes "$shared/data/postcodes/postcodes-en.csv.gz" \
  --out "$tmp/out" --manifest "$tmp/out/manifest.json" --report "$tmp/report.jsonl" >/dev/null 2>"$tmp/build.log" ||
  { cat "$tmp/build.log" >&2; exit 1; }
PREBAKE_PEERS=${PREBAKE_PEERS:-$root/.cache/peers} node js/test/bench-filters.mjs "$tmp/out" "$tmp/out/manifest.json" "$runs" >"$tmp/bench.json"
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`filtered views benchmark: real register, all layer, Node ${process.version}, median of ${r.runs} runs`);
for (const [name, steps] of [["filtered view {technology: Battery, cm_period: historical}", r.filtered], ["default view (baked maptiles/default/all)", r.defaultView]]) {
  console.log("  " + name + ":");
  for (const s of steps) console.log(`    zoom ${String(s.zoom).padStart(2)}: ${s.ms.toFixed(1).padStart(7)} ms, ${String(s.features).padStart(4)} features, ${s.files} files fetched, ${s.bytes} bytes (${s.br} as brotli)`);
  const t = steps.reduce((a, s) => a + s.bytes, 0), b = steps.reduce((a, s) => a + s.br, 0);
  console.log(`    whole session: ${t} bytes fetched (${b} as brotli)`);
}
console.log("  re-cluster of the all layer after a filter change (budget 150 ms):");
for (const c of r.recluster) console.log(`    ${JSON.stringify(c.filters).padEnd(28)} ${String(c.points).padStart(6)} points: ${c.median_ms.toFixed(1).padStart(7)} ms${c.median_ms > 150 ? " (over budget)" : ""}; supercluster npm, same run: ${c.supercluster_ms.toFixed(1)} ms (${(c.supercluster_ms / c.median_ms).toFixed(2)}x)`);
' "$tmp/bench.json"
