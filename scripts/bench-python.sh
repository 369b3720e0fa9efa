#!/usr/bin/env bash
# `make bench` part for the Python package (python/): bakes the real register in
# ../shared, then, in the pinned venv (.cache/venv, the app's versions), times in
# one run:
#   - prebake.load() of the real manifest.json (the app's whole start-up read;
#     the issue's budget is 5 ms), against a bare json.load of the same file;
#   - the app's CMU frame: read_table("cmu/cmus") through pyarrow (Parquet) and
#     through the JSON records (no pyarrow), against pickle.loads(base64) of the
#     same frame (what the app does with the Redis entry cmu_dataframe_v1 today).
# Each time is the median of repeated runs; ratios are from this one run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${PREBAKE_SHARED:-$root/../shared}
bin=${PREBAKE_BIN:-$root/bin/prebake}
py=$root/.cache/venv/bin/python
[ -x "$py" ] || bash scripts/setup-python.sh
[ -x "$bin" ] || go build -trimpath -o "$bin" ./cmd/prebake

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "baking the real register into $work"
"$bin" build --quiet \
  --source "$shared/data/register/components_*.json" \
  --source "$shared/data/register/cmu_register_rows.json" \
  --postcodes "$shared/data/postcodes/postcodes-en.csv.gz" \
  --out "$work/out" --manifest "$work/manifest.json" --report "$work/report.jsonl"

PYTHONPATH="$root/python/src" "$py" - "$work/manifest.json" "$work/out" <<'PY'
import base64, json, pickle, statistics, sys, time
import prebake

manifest, out = sys.argv[1], sys.argv[2]

def median_ms(fn, n):
    fn()  # warm the page cache and imports
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)

size = len(open(manifest, "rb").read())
load = median_ms(lambda: prebake.load(manifest, out_dir=out), 200)
def bare():
    with open(manifest, encoding="utf-8") as f:
        json.load(f)
raw = median_ms(bare, 200)
print(f"manifest.json ({size} bytes): prebake.load {load:.2f} ms (budget 5 ms), bare json.load {raw:.2f} ms ({load / raw:.2f}x)")
if load > 5:
    print("  OVER BUDGET: prebake.load took more than 5 ms", file=sys.stderr)

m = prebake.load(manifest, out_dir=out)
df = prebake.read_table("cmu/cmus", m)
blob = base64.b64encode(pickle.dumps(df)).decode()
pq = median_ms(lambda: prebake.read_table("cmu/cmus", m, engine="pyarrow"), 20)
js = median_ms(lambda: prebake.read_table("cmu/cmus", m, engine="json"), 20)
pk = median_ms(lambda: pickle.loads(base64.b64decode(blob)), 20)
print(f"cmu/cmus ({len(df)} rows): Parquet via pyarrow {pq:.1f} ms, JSON records {js:.1f} ms, "
      f"pickle+base64 from memory (today's Redis value, {len(blob)} bytes, network not counted) {pk:.1f} ms; "
      f"Parquet/pickle {pq / pk:.2f}x, JSON/pickle {js / pk:.2f}x")
PY
