#!/usr/bin/env bash
# `make dist`: the Python package as platform wheels that carry the prebake CLI
# (a static Go binary in prebake/bin/, run by the `prebake` console script, as
# ruff and uv ship theirs), plus an sdist (no binary; the console script then
# says to install a wheel). Writes into $DIST_DIR (default dist/):
#   prebake-<v>.tar.gz
#   prebake-<v>-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl   linux/amd64
#   prebake-<v>-py3-none-manylinux2014_aarch64.manylinux_2_17_aarch64.whl linux/arm64
#   prebake-<v>-py3-none-macosx_10_12_x86_64.whl                          darwin/amd64
#   prebake-<v>-py3-none-macosx_11_0_arm64.whl                            darwin/arm64
#   prebake-<v>-py3-none-win_amd64.whl                                    windows/amd64
# PREBAKE_DIST_PLATFORMS="linux/amd64 ..." builds only those wheels. The version
# is cmd/prebake/VERSION (the one place; the binary embeds it, pyproject reads it);
# the commit (git HEAD, else "unknown") is stamped with -ldflags -X main.commit.
# The binaries are CGO_ENABLED=0 -trimpath, so static: a static Linux binary
# needs no glibc, which is what manylinux2014 (glibc 2.17) promises at most.
# Wheels are reproducible: the same commit and SOURCE_DATE_EPOCH (zip
# timestamps; default the commit's time) give the same bytes.
# Needs Go and the venv of scripts/setup-python.sh (setuptools, build, wheel);
# builds from a copy of python/ with its symlinks resolved (VERSION, data/*.json),
# so the checkout is left as it was.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${DIST_DIR:-$root/dist}
python=${PYTHON:-$root/.cache/venv/bin/python}
go=${GO:-go}
platforms=${PREBAKE_DIST_PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64}
version=$(tr -d '[:space:]' <"$root/cmd/prebake/VERSION")
commit=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 1767225600)}
export SOURCE_DATE_EPOCH

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/pure" "$out"
tar -C "$root/python" --dereference --exclude=./tests --exclude=__pycache__ --exclude=./build \
  --exclude='*.egg-info' --exclude=./src/prebake/bin -cf - . | tar -C "$tmp/src" -xf -
"$python" -m build --no-isolation --sdist --wheel --outdir "$tmp/pure" "$tmp/src" >"$tmp/build.log" 2>&1 ||
  { cat "$tmp/build.log" >&2; exit 1; }
pure=$tmp/pure/prebake-$version-py3-none-any.whl
[ -f "$pure" ] || { echo "dist: python -m build made no $pure" >&2; ls "$tmp/pure" >&2; exit 1; }
cp "$tmp/pure/prebake-$version.tar.gz" "$out/"
echo "$out/prebake-$version.tar.gz"

for p in $platforms; do
  goos=${p%/*} goarch=${p#*/}
  case $p in
    linux/amd64) tag=manylinux_2_17_x86_64.manylinux2014_x86_64 ;;
    linux/arm64) tag=manylinux_2_17_aarch64.manylinux2014_aarch64 ;;
    darwin/amd64) tag=macosx_10_12_x86_64 ;;
    darwin/arm64) tag=macosx_11_0_arm64 ;;
    windows/amd64) tag=win_amd64 ;;
    *) echo "dist: no wheel platform tag for $p" >&2; exit 2 ;;
  esac
  exe=prebake
  [ "$goos" = windows ] && exe=prebake.exe
  work=$tmp/$goos-$goarch
  "$python" -m wheel unpack --dest "$work" "$pure" >/dev/null
  tree=$work/prebake-$version
  mkdir -p "$tree/prebake/bin"
  (cd "$root" && CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch "$go" build -trimpath \
    -ldflags "-s -w -X main.commit=$commit" -o "$tree/prebake/bin/$exe" ./cmd/prebake)
  chmod 0755 "$tree/prebake/bin/$exe"
  # A wheel with a binary is not pure: installers put it in platlib.
  sed -i 's/^Root-Is-Purelib: true$/Root-Is-Purelib: false/' "$tree/prebake-$version.dist-info/WHEEL"
  "$python" -m wheel pack --dest-dir "$work" "$tree" >/dev/null
  name=$("$python" -m wheel tags --remove --platform-tag "$tag" "$work/prebake-$version-py3-none-any.whl")
  mv "$work/$name" "$out/$name"
  echo "$out/$name"
done
