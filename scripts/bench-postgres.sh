#!/usr/bin/env bash
# The database source reads a table of 1M rows in bounded memory (issue 27):
# TestPostgresMemoryBounded at 1M rows, too slow for the suite (which reads
# 300,000). Needs Debian's postgresql (scripts/setup-debian.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PREBAKE_PG_MEMORY_ROWS=1000000 go test -count=1 -v -run '^TestPostgresMemoryBounded$' ./internal/source/ | grep -E 'rows|ok|FAIL|PASS'
