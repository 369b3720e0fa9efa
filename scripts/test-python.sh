#!/usr/bin/env bash
# Runs the Python tests (pytest, in the pinned venv .cache/venv) over every test
# directory that exists: python/tests (the prebake Python package) and conformance/
# (the app-contract suite). pytest.ini puts python/src on sys.path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dirs=()
for d in python/tests conformance; do
  [ -d "$d" ] && dirs+=("$d")
done
if [ ${#dirs[@]} -eq 0 ]; then
  exit 0
fi
# One pytest run per directory: each has a conftest.py of its own that its tests
# import by name (`from conftest import ...`), and one process can hold only one
# module named conftest.
rc=0
for d in "${dirs[@]}"; do
  .cache/venv/bin/python -m pytest -q "$d" "$@" || rc=$?
done
exit $rc
