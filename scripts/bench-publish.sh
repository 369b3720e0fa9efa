#!/usr/bin/env bash
# Publishing (internal/publish/): bakes the production-sized synthetic sample (64,000
# components) and publishes it to a real SeaweedFS S3 server on this machine,
# first into an empty bucket, then again with nothing changed; prints objects,
# megabytes and seconds of each, and their ratio, measured in one run.
# Needs .cache/tools/weed (scripts/setup-seaweedfs.sh) and the aws CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go test -run '^$' -bench 'BenchmarkPublish' -benchtime 1x -timeout 30m ./internal/publish/ 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -E '^BenchmarkPublish|SKIP|skip' || true
echo "$out" | awk '
  /^BenchmarkPublish\/first/    { for (i = 1; i <= NF; i++) { if ($(i+1) == "ns/op") f = $i / 1e9; if ($(i+1) == "objects") n = $i; if ($(i+1) == "MB") mb = $i } }
  /^BenchmarkPublish\/nochange/ { for (i = 1; i <= NF; i++) { if ($(i+1) == "ns/op") z = $i / 1e9 } }
  END { if (f && z) printf "first publish: %d objects, %.1f MB in %.1f s; no-change publish: %.2f s (%.0fx faster)\n", n, mb, f, z, f / z }'
