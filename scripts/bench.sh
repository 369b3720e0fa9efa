#!/usr/bin/env bash
# `make bench`: every benchmark, each printing its own measurements and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in scripts/bench-*.sh; do
  echo "== $b"
  bash "$b"
done
echo "== go benchmarks"
go test -run '^$' -bench . -benchtime 3x ./...
