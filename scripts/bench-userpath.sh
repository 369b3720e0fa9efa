#!/usr/bin/env bash
# The user's whole path (issue 31): the linux x86_64 wheel of `make dist`, then
# cmd/prebake's BenchmarkUserPath: a fresh venv, pip install of the wheel, a bake
# of the real register in ../shared and a publish to a local S3 server
# (SeaweedFS, as internal/testkit/s3test starts it); then a second deploy after a
# change to 1% of the register's component rows (every 100th row, in a temporary
# copy, by scripts/change-register.py: its description gains " (revised)" and a
# numeric de-rated capacity grows by 1 MW): pip install again, a bake, a publish
# of what changed.
# Targets on 2 cores: first deploy <= 60 s, second <= 15 s. Each is printed with
# its target and met / NOT MET, and appended to $BENCH_TARGETS when set.
# Needs Go (for the wheel), ../shared, .cache/tools/weed and the aws CLI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${PREBAKE_SHARED:-$root/../shared}
if [ ! -d "$shared/data/register" ]; then
  echo "bench-userpath: skipped: $shared/data/register is absent (set PREBAKE_SHARED)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
DIST_DIR=$tmp/dist PREBAKE_DIST_PLATFORMS=linux/amd64 bash scripts/dist.sh >/dev/null

# shared2: the same inputs, with 1% of the component rows changed.
mkdir -p "$tmp/shared2/data/register"
for d in "$shared"/data/*; do
  [ "$(basename "$d")" = register ] || ln -s "$(cd "$d" && pwd)" "$tmp/shared2/data/$(basename "$d")"
done
cp "$shared"/data/register/* "$tmp/shared2/data/register/"
chmod -R u+w "$tmp/shared2/data/register"
echo "bench-userpath: $(python3 scripts/change-register.py "$tmp/shared2/data/register")"

load=$(cut -d' ' -f1-3 /proc/loadavg)
out=$(PREBAKE_USERPATH_DIST=$tmp/dist PREBAKE_USERPATH_SHARED2=$tmp/shared2 PREBAKE_SHARED=$shared \
  go test -run '^$' -bench '^BenchmarkUserPath$' -benchtime 1x -timeout 30m ./cmd/prebake/ 2>&1) || { echo "$out"; exit 1; }
line=$(echo "$out" | grep -E '^BenchmarkUserPath' || true)
if [ -z "$line" ]; then
  echo "$out" | grep -iE 'skip' || echo "$out"
  exit 0
fi
# "value unit" pairs of the benchmark line -> unit=value
metrics=$(echo "$line" | awk '{ for (i = 3; i < NF; i += 2) print $(i+1) "=" $i }')
get() { echo "$metrics" | sed -n "s/^$1=//p"; }
printf '  first deploy:  venv %.1f s, pip install %.1f s, bake %.1f s, publish %.1f s\n' \
  "$(get first-venv-s)" "$(get first-pip-s)" "$(get first-bake-s)" "$(get first-publish-s)"
printf '  second deploy: pip install %.1f s, bake %.1f s, publish %.1f s\n' \
  "$(get second-pip-s)" "$(get second-bake-s)" "$(get second-publish-s)"
report() { # name, wall seconds, CPU seconds, target seconds
  awk -v n="$1" -v s="$2" -v c="$3" -v t="$4" 'BEGIN { printf "%s\t%.1f s (CPU %.1f s)\t%s\n", n, s, c, (s <= t ? "met" : "NOT MET") }'
}
targets=$( {
  report "user path: first deploy (venv, pip install, bake, publish) <= 60 s" "$(get first-s)" "$(get first-cpu-s)" 60
  report "user path: second deploy after a 1% register change <= 15 s" "$(get second-s)" "$(get second-cpu-s)" 15
})
echo "  load average before: $load (the targets are for 2 otherwise idle cores)"
echo "$targets" | awk -F'\t' '{ printf "  %-70s %-24s %s\n", $1, $2, $3 }'
if [ -n "${BENCH_TARGETS:-}" ]; then echo "$targets" >>"$BENCH_TARGETS"; fi
