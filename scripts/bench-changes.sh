#!/usr/bin/env bash
# `make bench` part for internal/changes (issue 28): the changelog of two bakes
# of the real register in ../shared (the shared real bake, and one of the
# register with the test's edits, baked once by the benchmark) in at most 1 s:
# reading both components tables and DNO areas, comparing, encoding the JSON.
# Appended to $BENCH_TARGETS when set.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go test -count=1 -run '^$' -bench 'BenchmarkChangelogReal$' -benchtime 5x ./internal/changes/ 2>&1) || { echo "$out"; exit 1; }
echo "$out"
line=$(echo "$out" | awk '/^BenchmarkChangelogReal/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "ns/op") { printf "%.3f", $i / 1e9; exit } }')
if [ -z "$line" ]; then
  echo "bench-changes: no BenchmarkChangelogReal result (../shared missing?)"
  exit 0
fi
target=$(awk -v s="$line" 'BEGIN { printf "changelog of two real-register bakes <= 1 s\t%.3f s\t%s", s, (s <= 1 ? "met" : "NOT MET") }')
echo "$target" | awk -F'\t' '{ printf "  %-62s %-44s %s\n", $1, $2, $3 }'
if [ -n "${BENCH_TARGETS:-}" ]; then echo "$target" >>"$BENCH_TARGETS"; fi
