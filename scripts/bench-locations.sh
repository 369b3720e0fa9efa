#!/usr/bin/env bash
# Location lookups (internal/generators/locations): first the locations stage of a bake
# of the bundled 64k sample (BenchmarkGenerateSample: CPU seconds per bake,
# compression workers included, and the stage's raw bytes and files; budget
# 3 s, 20 MB, 200 files; no peer does this stage). Then it bakes the real register and the whole
# GB postcode table (1.68 M postcodes) once through the real writer and prints
# the time and the postcode shards' total and largest sizes, raw and compressed;
# then prints how the three app-compatible files compare with the app's own
# (the numbers in internal/generators/locations/README.md). Needs ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=./internal/generators/locations/

smp=$(go test -run '^$' -bench 'BenchmarkGenerateSample$' -benchtime 3x "$pkg" 2>&1) || { echo "$smp"; exit 1; }
echo "$smp" | awk '/^BenchmarkGenerateSample/ { for (i = 1; i < NF; i++) v[$(i+1)] = $i;
  printf "locations stage on the 64k sample: %.2f s CPU per bake (%.2f s wall), %.1f MB raw in %d files\n", v["cpu-s/op"], v["ns/op"]/1e9, v["raw-MB"], v["raw-files"] }'

out=$(go test -run '^$' -bench 'BenchmarkGenerateFullTable|BenchmarkEncodeShards' -benchtime 1x -v "$pkg" 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -E 'bench_test.go|^Benchmark' | sed -E 's/^ +bench_test.go:[0-9]+: /  /'
echo "$out" | awk '/^BenchmarkGenerateFullTable.*ns\/op/ { for (i = 1; i < NF; i++) v[$(i+1)] = $i;
  printf "full bake (register + 1.68 M postcodes, writer and compression included): %.1f s, %.1f s CPU\n", v["ns/op"]/1e9, v["cpu-s/op"] }'

echo "-- comparison with the app's files (../shared/data/app)"
cmp=$(go test -count=1 -run 'TestCompareWithApp$' -v "$pkg" 2>&1) || { echo "$cmp"; exit 1; }
echo "$cmp" | grep -E 'compare_test.go' | sed -E 's/^ +compare_test.go:[0-9]+: //'
