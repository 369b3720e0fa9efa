#!/usr/bin/env bash
# Installs actionlint (MIT), the GitHub Actions workflow checker that
# python/tests/test_ci_recipes.py runs on docs/ci/prebake.yml, once into
# .cache/tools/actionlint. Idempotent: does nothing when this version is there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=v1.7.12
tools=$root/.cache/tools
stamp=$tools/actionlint.version
if [ -x "$tools/actionlint" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
  exit 0
fi
mkdir -p "$tools"
GOBIN=$tools go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
echo "$version" >"$stamp"
