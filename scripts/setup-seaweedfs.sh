#!/usr/bin/env bash
# Builds SeaweedFS's `weed` (Apache-2.0), the real S3 server the publish tests run
# against, once into .cache/tools/weed. `go install ...weed@version` is refused (its
# go.mod has replace directives), so: download the pinned module, copy it somewhere
# writable, and `go build ./weed` inside it (about 7 minutes on 2 cores, only once).
# Idempotent: does nothing when the binary of this version is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=v0.0.0-20261109003541-7506e5f91cd6
tools=$root/.cache/tools
bin=$tools/weed
stamp=$tools/weed.version
if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
  exit 0
fi
mkdir -p "$tools"
dir=$(go mod download -json "github.com/seaweedfs/seaweedfs@$version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "setup-seaweedfs: go mod download gave no module directory" >&2
  exit 1
fi
src=$tools/seaweedfs-src
rm -rf "$src"
cp -r "$dir" "$src"
chmod -R u+w "$src"
(cd "$src" && go build -trimpath -o "$bin.tmp" ./weed)
mv "$bin.tmp" "$bin"
echo "$version" > "$stamp"
rm -rf "$src"
