#!/usr/bin/env bash
# `make bench` part for the Django cache backend (prebake.django.cache): worker
# memory with and without it, on the real register's shared bake
# (internal/testkit/realbake) and a throw-away redis-server on a private Unix socket.
# python/tests/cache_rss.py says how: two fresh worker processes (django-redis
# as the app has it, and PrebakeCache wrapping it) serve the same session of the
# app's cache calls through django.test.Client; VmRSS from /proc/self/status at
# start and after the session. Target (issue 30): the prebake worker ends at
# most 20 MB above the plain one. Appended to $BENCH_TARGETS when set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=$root/.cache/venv/bin/python
[ -x "$py" ] || bash scripts/setup-python.sh
export PREBAKE_SHARED=${PREBAKE_SHARED:-$root/../shared}
bake=${PREBAKE_REALBAKE:-$(go run ./internal/testkit/realbake/cmd/realbake)}
if [ -z "$bake" ]; then echo "bench-cache: no real bake (needs the register in $PREBAKE_SHARED)" >&2; exit 1; fi
work=$(mktemp -d)
redis-server --port 0 --unixsocket "$work/redis.sock" --save '' --appendonly no --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
trap 'kill "$(cat "$work/redis.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -S "$work/redis.sock" ] && break; sleep 0.05; done

out=$("$py" python/tests/cache_rss.py "$bake/manifest.json" "$bake/out" "unix://$work/redis.sock?db=0")
echo "$out" | "$py" -c '
import json, sys
r = json.load(sys.stdin)
for m in ("plain", "prebake"):
    x = r[m]
    print("worker RSS, %-8s: %.1f MB at start, %.1f MB after %d requests" % (m, x["start_mb"], x["after_mb"], x["requests"]))
print("PrebakeCache costs %+.1f MB after the session (target <= 20 MB); keys left in Redis by the prebake worker: %d" % (r["extra_mb"], r["prebake_keys_in_redis"]))
'
if [ -n "${BENCH_TARGETS:-}" ]; then
  echo "$out" | "$py" -c '
import json, sys
r = json.load(sys.stdin)
print("worker RSS with PrebakeCache after a session <= plain + 20 MB\t%+.1f MB (%.1f vs %.1f MB)\t%s" % (r["extra_mb"], r["prebake"]["after_mb"], r["plain"]["after_mb"], "met" if r["extra_mb"] <= 20 else "NOT MET"))
' >>"$BENCH_TARGETS"
fi
