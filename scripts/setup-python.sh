#!/usr/bin/env bash
# Builds the Python test environment .cache/venv from scripts/requirements-test.txt
# (the app's pinned versions). The project's own python/ package is not installed
# into it: tests put it on sys.path (pytest.ini), so one venv serves every checkout.
# Idempotent: reinstalls only when the requirements change.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/.cache/venv
req=$root/scripts/requirements-test.txt
stamp=$venv/.requirements.sha256
sum=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  echo "$sum" > "$stamp"
fi
