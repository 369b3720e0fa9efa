#!/usr/bin/env bash
# Step 0 of python/docs/migration.md: bake the app's register in its deploy build.
# Copy to the app's repository as bin/post_compile (Heroku's Python buildpack
# runs it after installing requirements and collectstatic) or call it from CI.
# It runs in the app's repository as it is:
#   - the register: json_data/components_*.json (the app's crawler keeps them in
#     the repository; there is no cmu_data.json, and none is needed: the CMU frame
#     is built from the components, as the app builds it from its Component table),
#     or with PREBAKE_FROM_DATABASE=1 the app's database through $DATABASE_URL
#     (its live rows, and its stored positions for what offline geocoding cannot place);
#   - the postcode table: OS Code-Point Open (open data, no key), downloaded once
#     and kept in the build cache ($CACHE_DIR on Heroku, .cache/ elsewhere),
#     refreshed when older than PREBAKE_POSTCODES_MAX_DAYS (default 90: OS
#     publishes it quarterly; a failed refresh warns and keeps the old table, a
#     failed first download fails the build). Its CSV files (Data/CSV/<area>.csv, no header) are
#     concatenated into one gzip file, which prebake reads as Code-Point Open;
#   - the prebake executable: the `prebake` command of the prebake wheel that
#     the app's requirements.txt names (the buildpack pip-installs it before this
#     hook; docs/ci.md), or $PREBAKE_BIN when set. No Go is needed.
# Writes prebake_output/ (served by prebake.django.middleware.WhiteNoiseMiddleware)
# with prebake_output/manifest.json last; then, when PREBAKE_PUBLISH_TO is set
# (s3://bucket/prefix; credentials as for the aws CLI), publishes it there
# (`prebake publish`, manifest.json last). Fails the build on any error.
set -euo pipefail

app=${BUILD_DIR:-$(pwd)}
cache=${CACHE_DIR:-$app/.cache}
out=${PREBAKE_OUT:-$app/prebake_output}
mkdir -p "$cache"

# The prebake executable.
bin=${PREBAKE_BIN:-$(command -v prebake || true)}
if [ -z "$bin" ]; then
  echo "prebake: no prebake command: add prebake to requirements.txt (see docs/ci.md in the prebake repository) or set PREBAKE_BIN" >&2
  exit 1
fi
"$bin" --version

# The postcode table, cached between builds.
postcodes=$cache/codepo_gb.csv.gz
url=${PREBAKE_POSTCODES_URL:-https://api.os.uk/downloads/v1/products/CodePointOpen/downloads?area=GB&format=CSV&redirect}
fetch_postcodes() {
  local tmp
  tmp=$(mktemp -d "$cache/.codepo.XXXXXX")  # beside the table: the mv below is atomic
  trap 'rm -rf "$tmp"' RETURN
  curl -fsSL -o "$tmp/codepo_gb.zip" "$url" &&
    unzip -q "$tmp/codepo_gb.zip" 'Data/CSV/*.csv' -d "$tmp" &&
    cat "$tmp"/Data/CSV/*.csv | gzip -6 >"$tmp/codepo_gb.csv.gz" &&
    mv "$tmp/codepo_gb.csv.gz" "$postcodes"
}
if [ ! -s "$postcodes" ]; then
  fetch_postcodes
  echo "prebake: postcode table fetched from $url"
elif [ -n "$(find "$postcodes" -mtime +"${PREBAKE_POSTCODES_MAX_DAYS:-90}")" ]; then
  # An old table still geocodes: a failed refresh warns and keeps it.
  if fetch_postcodes; then
    echo "prebake: postcode table refreshed from $url"
  else
    echo "prebake: warning: could not refresh the postcode table from $url; using the cached one" >&2
  fi
fi

# The register: the repository's files, or with PREBAKE_FROM_DATABASE=1 the
# app's live database (its table checker_component) through $DATABASE_URL, the
# URL its deploys set: passed by name, so the password is on no command line.
register="$app/json_data/components_*.json"
if [ "${PREBAKE_FROM_DATABASE:-0}" = 1 ]; then
  register=env:DATABASE_URL
fi
"$bin" build --quiet \
  --source "$register" \
  --postcodes "$postcodes" \
  --out "$out" --manifest "$out/manifest.json"

if [ -n "${PREBAKE_PUBLISH_TO:-}" ]; then
  "$bin" publish --to "$PREBAKE_PUBLISH_TO" --out "$out" --manifest "$out/manifest.json"
fi
