#!/usr/bin/env bash
# `make bench` part for internal/generators/cmu: bakes the real register in ../shared,
# then prints the bake's "cmu tables" stage time; for the cmu/cmus table (the
# app's cmu_dataframe_v1), the size of its Parquet, Arrow and JSON files next to
# the size of the same rows as base64(pickle(DataFrame)) (what the app keeps in
# Redis, computed by Debian's python3-pandas); for every CMU table the time
# DuckDB takes to load its Parquet, apache-arrow its Arrow file and pandas
# 2.2.3 (the venv) its JSON. Last, the stage on the production-sized synthetic
# sample (BenchmarkGenerateSample): CPU seconds, raw bytes and files. Needs
# bin/prebake (make build), node with the peers (scripts/setup-peers.sh),
# /usr/bin/python3 with pandas, and .cache/venv for the pandas timing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${PREBAKE_SHARED:-$root/../shared}
peers=${PREBAKE_PEERS:-$root/.cache/peers}
bin=${PREBAKE_BIN:-$root/bin/prebake}
[ -x "$bin" ] || go build -trimpath -o "$bin" ./cmd/prebake

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "baking the real register into $work (cmu tables and everything else)"
start=$(date +%s.%N)
"$bin" build --quiet --json \
  --source "$shared/data/register/components_*.json" \
  --source "$shared/data/register/cmu_register_rows.json" \
  --postcodes "$shared/data/postcodes/postcodes-en.csv.gz" \
  --out "$work/out" --manifest "$work/manifest.json" --report "$work/report.jsonl" >"$work/summary.json"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "full bake: %.1f s\n", e - s }'
/usr/bin/python3 -c 'import json,sys; st={s["name"]: s["seconds"] for s in json.load(open(sys.argv[1]))["stages"]}; print("cmu stages: tables %.2f s + details %.2f s wall (they may overlap other generators)" % (st["cmu tables"], st["cmu details"]))' "$work/summary.json"

# path NAME: the file of logical asset NAME.
path() {
  /usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(sys.argv[2] + "/" + m["assets"][sys.argv[3]]["path"])' \
    "$work/manifest.json" "$work/out" "$1"
}
size() { stat -c %s "$1"; }

cmus_json=$(path cmu/cmus.json)
cmus_parquet=$(path cmu/cmus.parquet)
read -r pickled rows < <(/usr/bin/python3 internal/generators/cmu/testdata/pickle_size.py "$cmus_json")
pq=$(size "$cmus_parquet")
echo
echo "cmu/cmus ($rows rows, the app's CMU dataframe):"
printf '  %-28s %10d bytes\n' "pickle+base64 (Redis today)" "$pickled"
printf '  %-28s %10d bytes  (%.1fx smaller)\n' "Parquet" "$pq" "$(awk -v a="$pickled" -v b="$pq" 'BEGIN { print a / b }')"
printf '  %-28s %10d bytes\n' "Arrow IPC (Feather v2)" "$(size "$(path cmu/cmus.arrow)")"
printf '  %-28s %10d bytes\n' "JSON (pandas split)" "$(size "$cmus_json")"
[ -f "$cmus_json.br" ] && printf '  %-28s %10d bytes\n' "JSON (pandas split), brotli" "$(size "$cmus_json.br")"
if [ $((pq * 10)) -gt "$pickled" ]; then
  echo "  FAIL: Parquet is more than a tenth of pickle+base64" >&2
  exit 1
fi

# Load times: DuckDB reads each Parquet file into a table; DuckDB cannot read
# Arrow IPC without a downloaded extension, so the Arrow file is timed with
# apache-arrow's reader; the JSON files (pandas' split orientation; none for
# cmu/components) with pandas.read_json in the venv, as an app without pyarrow
# would load them. Best of 5 runs each.
files=()
for t in components cmus companies; do
  js=-
  [ "$t" = components ] || js=$(path cmu/$t.json)
  files+=("$t" "$(path cmu/$t.parquet)" "$(path cmu/$t.arrow)" "$js")
done
cat >"$work/load.mjs" <<'EOF'
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
const require = createRequire(path.join(process.cwd(), 'noop.js'));
const requireArrow = createRequire(path.join(process.env.ARROW_READER_DIR || process.cwd(), 'noop.js'));
const { DuckDBInstance } = require('@duckdb/node-api');
const lit = (s) => "'" + s.replaceAll("'", "''") + "'";
const con = await (await DuckDBInstance.create(':memory:')).connect();
let arrow = null;
try {
  arrow = requireArrow('apache-arrow');
  const fzstd = requireArrow('fzstd');
  arrow.compressionRegistry.set(arrow.CompressionType.ZSTD, {
    decode: (d) => { const o = fzstd.decompress(d); return o.byteOffset % 8 === 0 ? o : o.slice(); },
  });
} catch { arrow = null; }
async function best(fn) {
  let min = Infinity, n = 0;
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    n = await fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return [min, n];
}
const args = process.argv.slice(2);
console.log('\nload times (best of 5):');
for (let i = 0; i < args.length; i += 4) {
  const [name, pq, ar] = args.slice(i, i + 4);
  const [tp, n] = await best(async () => {
    await con.run(`CREATE OR REPLACE TABLE t AS SELECT * FROM read_parquet(${lit(pq)})`);
    const r = await con.runAndReadAll('SELECT count(*)::INTEGER AS n FROM t');
    return r.getRowObjects()[0].n;
  });
  let ta = 'n/a (apache-arrow not installed)';
  if (arrow) ta = (await best(async () => arrow.tableFromIPC(readFileSync(ar)).numRows))[0].toFixed(1) + ' ms';
  console.log(`  cmu/${name} (${n} rows): DuckDB Parquet ${tp.toFixed(1)} ms, apache-arrow Arrow IPC ${ta}`);
}
EOF
# apache-arrow and fzstd: in the peers, or where the Go tests install them.
arrow_dir=$peers
[ -d "$arrow_dir/node_modules/apache-arrow" ] || arrow_dir=$root/.cache/arrow-reader
(cd "$peers" && ARROW_READER_DIR=$arrow_dir node "$work/load.mjs" "${files[@]}")
venv_py=$root/.cache/venv/bin/python
if [ -x "$venv_py" ]; then
  cat >"$work/load.py" <<'EOF'
import io, sys, time
import pandas as pd
args = sys.argv[1:]
for i in range(0, len(args), 4):
    name, js = args[i], args[i + 3]
    if js == "-":
        print(f"  cmu/{name}: no JSON file (Parquet and Arrow only)")
        continue
    with open(js, encoding="utf-8") as f:
        data = f.read()
    times = []
    for _ in range(5):
        t = time.perf_counter()
        df = pd.read_json(io.StringIO(data), orient="split", dtype=False)
        times.append(time.perf_counter() - t)
    print(f"  cmu/{name} ({len(df)} rows): pandas {pd.__version__} read_json(orient='split', dtype=False) {min(times) * 1000:.1f} ms")
EOF
  "$venv_py" "$work/load.py" "${files[@]}"
fi

# The stage on the production-sized synthetic sample (64,000 components):
# CPU seconds per run (user + system), raw MB and files, variant files.
echo
echo "cmu tables stage on the 64k sample (go test -bench GenerateSample):"
go test -run '^$' -bench 'GenerateSample$' -benchtime 3x ./internal/generators/cmu | grep '^Benchmark'
