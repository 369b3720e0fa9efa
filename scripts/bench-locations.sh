#!/usr/bin/env bash
# Location lookups (generators/locations): bakes the real register and the whole
# GB postcode table (1.68 M postcodes) once through the real writer and prints
# the time and the postcode shards' total and largest sizes, raw and compressed;
# then prints how the three app-compatible files compare with the app's own
# (the numbers in generators/locations/README.md). Needs ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=./generators/locations/

out=$(go test -run '^$' -bench 'BenchmarkGenerateFullTable|BenchmarkEncodeShards' -benchtime 1x -v "$pkg" 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -E 'bench_test.go|^Benchmark' | sed -E 's/^ +bench_test.go:[0-9]+: /  /'
echo "$out" | awk '/^BenchmarkGenerateFullTable.*ns\/op/ { printf "full bake (register + 1.68 M postcodes, writer and compression included): %.1f s\n", $3/1e9 }'

echo "-- comparison with the app's files (../shared/data/app)"
cmp=$(go test -count=1 -run 'TestCompareWithApp$' -v "$pkg" 2>&1) || { echo "$cmp"; exit 1; }
echo "$cmp" | grep -E 'compare_test.go' | sed -E 's/^ +compare_test.go:[0-9]+: //'
