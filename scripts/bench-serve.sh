#!/usr/bin/env bash
# `prebake serve` against nginx, run by `make bench`. Both serve the same baked
# tree (the synthetic sample, BENCH_SERVE_COMPONENTS components) on localhost;
# nginx is Debian's, started on a free port with a temporary config (gzip_static
# on, so it too sends the stored .gz variant). wrk loads each for
# BENCH_SERVE_SECONDS per request kind:
#   - a JSON asset (cmu/statistics.json) with Accept-Encoding: gzip (the .gz variant);
#   - a map tile of the all layer, gzip;
#   - a 16 KiB range of the PMTiles archive (what the PMTiles client asks for);
# and prints requests per second of each and the ratio serve/nginx, measured in
# this one run. Both bodies are checked to be the same bytes first. Server and
# load generator share this machine's cores, so the ratio, not the absolute
# figures, is the result.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
components=${BENCH_SERVE_COMPONENTS:-8000}
seconds=${BENCH_SERVE_SECONDS:-5}
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "bench-serve: $tool is not installed (scripts/setup-debian.sh)" >&2; exit 1; }
done
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
chmod 755 "$tmp" # nginx's workers run as another user

cd "$root"
bin=$tmp/prebake
go build -o "$bin" ./cmd/prebake
"$bin" sample --out "$tmp/sample" --components "$components" >/dev/null
"$bin" build --quiet --source "$tmp/sample/synthetic_*.json" --postcodes "$tmp/sample/synthetic_postcodes.csv" \
  --out "$tmp/output" --manifest "$tmp/manifest.json"
chmod -R a+rX "$tmp/output"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "bench-serve: $1 did not come up" >&2; exit 1; }

sport=$(free_port)
"$bin" serve --out "$tmp/output" --manifest "$tmp/manifest.json" --addr "127.0.0.1:$sport" >"$tmp/serve.log" 2>&1 &
pids+=($!)

nport=$(free_port)
mkdir -p "$tmp/nginx"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
cat >"$tmp/nginx/nginx.conf" <<CONF
$user_line
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  types { application/geo+json geojson; application/vnd.pmtiles pmtiles; }
  access_log off;
  sendfile on;
  gzip_static on;
  gzip_vary on;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nport;
    root $tmp/output;
    etag on;
  }
}
CONF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
pids+=($!)
wait_http "http://127.0.0.1:$sport/manifest.json"
wait_http "http://127.0.0.1:$nport/"

read -r stats tile pmtiles < <(python3 - "$tmp/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
tile = m["tilesets"]["maptiles/default/all"]["tilejson"]["tiles"][0].replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
print(m["assets"]["cmu/statistics.json"]["path"], tile, m["assets"]["maptiles/map.pmtiles"]["path"])
PY
)

rps() { wrk -t2 -c32 -d"${seconds}s" "$@" | awk '/^Requests\/sec:/ {print $2}'; }
printf '%-34s %12s %12s %8s\n' "request" "serve req/s" "nginx req/s" "ratio"
bench() { # bench LABEL PATH CURL_AND_WRK_HEADER...
  local label=$1 path=$2; shift 2
  local hdr=() h
  for h in "$@"; do hdr+=(-H "$h"); done
  local a b
  a=$(curl -s "${hdr[@]}" "http://127.0.0.1:$sport/$path" | sha256sum)
  b=$(curl -s "${hdr[@]}" "http://127.0.0.1:$nport/$path" | sha256sum)
  if [ "$a" != "$b" ]; then echo "bench-serve: serve and nginx send different bytes for $path" >&2; exit 1; fi
  local s n
  s=$(rps "${hdr[@]}" "http://127.0.0.1:$sport/$path")
  n=$(rps "${hdr[@]}" "http://127.0.0.1:$nport/$path")
  printf '%-34s %12s %12s %8s\n' "$label" "$s" "$n" "$(python3 -c "print(f'{$s/$n:.2f}')")"
}
bench "statistics.json, gzip" "$stats" "Accept-Encoding: gzip"
bench "tile all/0/0/0, gzip" "$tile" "Accept-Encoding: gzip"
bench "PMTiles range 16 KiB" "$pmtiles" "Range: bytes=0-16383"
echo "(ratio = serve / nginx requests per second; ${seconds}s each, wrk -t2 -c32, the sample with $components components)"
