#!/usr/bin/env bash
# Installs the Debian packages the tests use, in one apt call, only when missing:
#   proj-bin (cs2cs: PROJ peer for OSGB36; geod: PROJ peer for changelog distances), python3-pandas/python3-django (legacy
#   checks), redis-server (audit), postgresql (the database source: internal/testkit/pgtest), chromium (browser tests), awscli (publish:
#   independent S3 client), gdal-bin (GEOS validity of DNO polygons), nginx and wrk
#   (serve: peer web server and load generator), curl and unzip (the migration
#   guide's step 0, python/docs/post_compile.sh), file (the dist tests name each
#   wheel's binary) and shellcheck (actionlint checks the CI recipe's run: steps with it).
# Idempotent: prints nothing and changes nothing when everything is present.
set -euo pipefail
want=(proj-bin python3-pandas python3-django redis-server postgresql chromium awscli gdal-bin nginx wrk curl unzip file shellcheck)
need=()
for p in "${want[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "setup-debian: please install ${need[*]}" >&2
  exit 0
fi
echo "setup-debian: installing ${need[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
