#!/usr/bin/env bash
# The whole bake (issue #13), run by `make bench`, on the synthetic sample:
#   1. the production-sized sample (64,000 components): a fresh bake and then a
#      rebuild with nothing changed into the same directory, each with its stage
#      times, wall and CPU time and peak RSS (GNU time's maximum resident set);
#      what the rebuild wrote (target: nothing); the output's raw bytes, variant
#      bytes and file count;
#   2. scaling: synthetic registers of BENCH_SCALE components (default 64k, 256k,
#      1M) each baked fresh, with time, peak RSS and each step's growth factor
#      against the growth in components (linear: equal factors).
# Targets: fresh <= 10 s, rebuild <= 2 s writing nothing, peak RSS <= 512 MB,
# 1M components <= 120 s and <= 4 GB. Wall time on a loaded machine lies: the
# CPU time (user+sys) is printed beside it. Each target and its measured figure
# is printed at the end, and appended to $BENCH_TARGETS when set (scripts/bench.sh
# prints them all together after every benchmark).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=$root/bin/prebake
[ -x "$bin" ] || go build -trimpath -o "$bin" ./cmd/prebake
scale=${BENCH_SCALE:-64000 256000 1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}

# bake DIR OUT LABEL: one bake of the sample in DIR into OUT; prints a line of
# times and the stage times; leaves the --json summary in OUT.json.
bake() {
  local dir=$1 out=$2 label=$3
  /usr/bin/time -f '%e %U %S %M' -o "$out.time" "$bin" build --json \
    --source "$dir/synthetic_*.json" --postcodes "$dir/synthetic_postcodes.csv" \
    --out "$out" --manifest "$out.manifest.json" --report "$out.report.jsonl" >"$out.json"
  read -r wall user sys rss_kb <"$out.time"
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss_kb" \
    'BEGIN { printf "  %-26s %7.2f s wall, %7.2f s CPU, peak RSS %6.0f MB\n", l, w, u + s, r / 1024 }'
  python3 - "$out.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("    stages: " + ", ".join(f"{st['name']} {st['seconds']:.2f}s" for st in s.get("stages", [])))
PY
}

# sizes OUT: raw bytes, variant bytes and file count of a bake, outside .prebake.
sizes() {
  find "$1" -path "$1/.prebake" -prune -o -type f -printf '%s %f\n' | awk '
    $2 ~ /\.(br|gz|zst)$/ { vb += $1; vn++; next } { rb += $1; rn++ }
    END { printf "  output: %.1f MB raw in %d files + %.1f MB of variants in %d files = %d files (targets: raw <= 100 MB, <= 8,000 files)\n", rb / 1e6, rn, vb / 1e6, vn, rn + vn }'
}

echo "whole bake: production-sized synthetic sample (64,000 components), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" sample --out "$tmp/s64k" >/dev/null
bake "$tmp/s64k" "$tmp/out" "fresh bake (target 10 s)"
sizes "$tmp/out" | tee "$tmp/sizes"
cp "$tmp/out.time" "$tmp/fresh.time"
touch "$tmp/marker"
sleep 1
bake "$tmp/s64k" "$tmp/out" "no-change rebuild (2 s)"
changed=$(find "$tmp/out" "$tmp/out.manifest.json" -newer "$tmp/marker" \( -type f -o -type d \) -not -path '*/.prebake*' | wc -l)
echo "  files or directories the rebuild created or changed: $changed (target 0)"

echo "scaling: synthetic registers baked fresh (BENCH_SCALE=\"$scale\")"
prev_n= prev_t= prev_r=
for n in $scale; do
  d=$tmp/s$n
  if [ "$n" = 64000 ]; then # the fresh bake above
    cp "$tmp/fresh.time" "$tmp/o$n.time"
    echo "  64000 components            (the fresh bake above)"
  else
    "$bin" sample --components "$n" --out "$d" >/dev/null
    bake "$d" "$tmp/o$n" "$n components"
  fi
  read -r wall user sys rss_kb <"$tmp/o$n.time"
  t=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  if [ -n "$prev_n" ]; then
    awk -v n="$n" -v pn="$prev_n" -v t="$t" -v pt="$prev_t" -v r="$rss_kb" -v pr="$prev_r" \
      'BEGIN { printf "    growth vs %d: components x%.2f, CPU time x%.2f, peak RSS x%.2f%s\n", pn, n / pn, t / pt, r / pr, (t / pt > 1.15 * n / pn ? "  ** faster than linear **" : "") }'
  fi
  prev_n=$n prev_t=$t prev_r=$rss_kb
  printf '%s %s %s %s %s\n' "$n" "$wall" "$t" "$rss_kb" "$(awk -v n="$n" -v pn="${first_n:-$n}" -v t="$t" -v pt="${first_t:-$t}" 'BEGIN { printf "%.2f", (t / pt) / (n / pn) }')" >>"$tmp/scale"
  first_n=${first_n:-$n} first_t=${first_t:-$t}
  if [ "$n" != 64000 ]; then rm -rf "$tmp/o$n" "$d"; fi
done

# Every issue-13 target this script measures, next to its figure.
targets=$tmp/targets
{
  read -r wall user sys rss_kb <"$tmp/fresh.time"
  awk -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss_kb" 'BEGIN {
    printf "fresh bake of the 64k sample <= 10 s wall (2 cores)\t%.1f s wall, %.1f s CPU\t%s\n", w, u + s, (w <= 10 ? "met" : "NOT MET")
    printf "peak RSS of the fresh bake <= 512 MB\t%.0f MB\t%s\n", r / 1024, (r / 1024 <= 512 ? "met" : "NOT MET") }'
  read -r wall _ _ _ <"$tmp/out.time"
  awk -v w="$wall" -v c="$changed" 'BEGIN { printf "no-change rebuild <= 2 s, writes nothing\t%.2f s, %d files written\t%s\n", w, c, (w <= 2 && c == 0 ? "met" : "NOT MET") }'
  awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) v[++n] = $i }
    END { printf "output of the 64k sample: raw <= 100 MB, <= 8,000 files\t%.1f MB raw, %d files (%d variants)\t%s\n", v[1], v[5], v[4], (v[1] <= 100 && v[5] <= 8000 ? "met" : "NOT MET") }' "$tmp/sizes"
  if grep -q '^1000000 ' "$tmp/scale" 2>/dev/null; then
    awk '$1 == 1000000 { printf "1,000,000 components <= 120 s, <= 4 GB\t%.1f s wall, %.1f s CPU, %.2f GB\t%s\n", $2, $3, $4 / 1048576, ($2 <= 120 && $4 / 1048576 <= 4 ? "met" : "NOT MET") }' "$tmp/scale"
  fi
  awk 'NR > 1 { if ($5 > worst) worst = $5; list = list sprintf("%s%dk x%.2f", (list ? ", " : ""), $1 / 1000, $5) }
    END { if (list) printf "cost grows no faster than linearly (CPU per component vs 64k)\t%s\t%s\n", list, (worst <= 1.15 ? "met" : "NOT MET") }' "$tmp/scale"
} >"$targets"
echo "issue 13 targets measured here:"
awk -F'\t' '{ printf "  %-62s %-44s %s\n", $1, $2, $3 }' "$targets"
if [ -n "${BENCH_TARGETS:-}" ]; then cat "$targets" >>"$BENCH_TARGETS"; fi
