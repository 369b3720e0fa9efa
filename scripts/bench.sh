#!/usr/bin/env bash
# `make bench`: every benchmark, each printing its own measurements and ratios,
# then every target the benchmarks append to $BENCH_TARGETS (issue 13's, and
# those labelled with their issue) next to the figures measured in this run.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
BENCH_TARGETS=$(mktemp)
export BENCH_TARGETS
trap 'rm -f "$log" "$BENCH_TARGETS"' EXIT
for b in scripts/bench-*.sh; do
  echo "== $b"
  bash "$b" 2>&1 | tee -a "$log"
done
echo "== go benchmarks"
go test -run '^$' -bench . -benchtime 3x ./... 2>&1 | tee -a "$log"

echo
echo "== targets and what this run measured"
awk -F'\t' '{ printf "  %-62s %-44s %s\n", $1, $2, $3 }' "$BENCH_TARGETS"
echo "  (make test <= 20 minutes is measured by CI's run of .ci/run, not here)"
