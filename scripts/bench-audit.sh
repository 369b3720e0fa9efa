#!/usr/bin/env bash
# `make bench` part for `prebake audit`: a throw-away redis-server holding
# 1,000,000 keys shaped like the app's cache (component_detail_<id>,
# map_detail:<id>, map_data_<md5>, Django sessions, Celery results, the CMU
# frame, ...), then, in one run:
#   - the wall time of `prebake audit --manifest` and of `redis-cli --memkeys`
#     (the reference: SCAN plus MEMORY USAGE per key) on the same data, and
#     their ratio;
#   - the server's latency while each runs, from `redis-cli --latency` one
#     second at a time (PING every 10 ms: max and mean in ms), beside the idle
#     server's, and the ratios;
#   - the CPU seconds the server spent serving each (INFO cpu, user + sys: the
#     cost to the server, less noisy than wall time on a busy machine);
#   - the keys' total bytes by both tools (they must agree: both sum MEMORY
#     USAGE with Redis's default sampling).
# Needs redis-server and redis-cli (scripts/setup-debian.sh) and bin/prebake.
# BENCH_AUDIT_KEYS overrides the key count, BENCH_AUDIT_COUNT the audit's --count.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${PREBAKE_BIN:-$root/bin/prebake}
[ -x "$bin" ] || go build -trimpath -o "$bin" ./cmd/prebake
keys=${BENCH_AUDIT_KEYS:-1000000}
count=${BENCH_AUDIT_COUNT:-200}
for tool in redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "bench-audit: $tool is not installed (scripts/setup-debian.sh)" >&2; exit 1; }
done

work=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly no --daemonize no >"$work/server.log" 2>&1 &
server=$!
sampler=
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cli() { redis-cli -p "$port" "$@"; }
for _ in $(seq 100); do cli PING >/dev/null 2>&1 && break; sleep 0.1; done

echo "loading $keys app-shaped keys into redis-server on port $port"
/usr/bin/python3 - "$keys" <<'EOF' | cli --pipe >/dev/null
import hashlib, sys
n = int(sys.argv[1])
out = sys.stdout.buffer
def cmd(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    out.write(b"".join(parts))
# The app's proportions at this scale: popups dominate by count, map
# responses by bytes; a few large single entries.
cmd("SET", ":1:cmu_dataframe_v1", b"g" * 2_000_000, "EX", 86400)
cmd("SET", ":1:cmu_to_company_mapping", b"m" * 300_000, "EX", 86400)
cmd("SET", ":1:location_to_postcodes_mapping", b"l" * 150_000)
mix = [(0.70, lambda i: (f":1:component_detail_{i}", 300, 1800)),
       (0.20, lambda i: (f":1:map_detail:{i}", 250, 21600)),
       (0.05, lambda i: (f":1:map_data_{hashlib.md5(str(i).encode()).hexdigest()}", 1000, 3600)),
       (0.03, lambda i: (f":1:django.contrib.sessions.cache{hashlib.md5(str(i).encode()).hexdigest()}", 200, 1209600)),
       (0.02, lambda i: (f"celery-task-meta-{hashlib.md5(str(i).encode()).hexdigest()}", 100, 86400))]
left = n - 3
for share, make in mix:
    count = left if make is mix[-1][1] else int(n * share)
    left -= count
    for i in range(count):
        key, size, ttl = make(i)
        cmd("SET", key, b"v" * size, "EX", ttl)
EOF
echo "keys in db 0: $(cli DBSIZE); used_memory: $(cli INFO memory | sed -n 's/^used_memory_human:\(.*\)\r$/\1/p')"

# sample FILE: one `redis-cli --latency` line ("min max avg samples", ms) per
# second into FILE until killed.
sample() { while :; do cli --latency -i 1 --raw >>"$1" 2>/dev/null || true; done; }
# summary FILE: max of the per-second maxima and the sample-weighted mean.
summary() { awk '{ if ($2 > mx) mx = $2; s += $3 * $4; n += $4 } END { printf "%d %.3f %d", mx, (n ? s / n : 0), n }' "$1"; }
# server_cpu: the server's CPU seconds so far (user + sys).
server_cpu() { cli INFO cpu | awk -F: '/^used_cpu_(user|sys):/ { s += $2 } END { printf "%.3f", s }'; }
# timed NAME CMD...: runs CMD with the latency sampler beside it; sets secs
# (wall) and cpu (the server's CPU seconds meanwhile, the sampler's PINGs
# included).
timed() {
  local name=$1; shift
  : >"$work/lat-$name"
  sample "$work/lat-$name" &
  sampler=$!
  local start end cpu0
  cpu0=$(server_cpu)
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  cpu=$(awk -v a="$cpu0" -v b="$(server_cpu)" 'BEGIN { printf "%.2f", b - a }')
  sleep 1.1 # let the sampler close the second it is in
  kill "$sampler"; wait "$sampler" 2>/dev/null || true; sampler=
  secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
}

timed idle sleep 3
idle=$(summary "$work/lat-idle")
timed memkeys sh -c "redis-cli -p $port --memkeys >'$work/memkeys.txt'"
memkeys_secs=$secs memkeys_cpu=$cpu memkeys_lat=$(summary "$work/lat-memkeys")
timed audit sh -c "'$bin' audit --redis redis://127.0.0.1:$port/0 --manifest manifest.json --count $count --json >'$work/audit.json'"
audit_secs=$secs audit_cpu=$cpu audit_lat=$(summary "$work/lat-audit")

audit_bytes=$(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["keys"], r["bytes"], r["replaced"]["bytes"])' "$work/audit.json")
memkeys_bytes=$(awk '/ with [0-9]+ bytes/ { k += $1; b += $4 } END { print k, b }' "$work/memkeys.txt")
read -r ak ab arep <<<"$audit_bytes"
read -r mk mb <<<"$memkeys_bytes"
read -r idle_max idle_avg idle_n <<<"$idle"
read -r a_max a_avg a_n <<<"$audit_lat"
read -r m_max m_avg m_n <<<"$memkeys_lat"
awk -v count="$count" -v keys="$ak" -v as="$audit_secs" -v ms="$memkeys_secs" -v ac="$audit_cpu" -v mc="$memkeys_cpu" -v ab="$ab" -v mb="$mb" -v mk="$mk" -v arep="$arep" \
    -v im="$idle_max" -v ia="$idle_avg" -v am="$a_max" -v aa="$a_avg" -v mm="$m_max" -v ma="$m_avg" 'BEGIN {
  printf "audit (--count %d) of %d keys: %.2f s (%.0f keys/s); redis-cli --memkeys: %.2f s; audit/memkeys time ratio %.2f\n", count, keys, as, keys / as, ms, as / ms
  printf "server CPU: audit %.2f s, --memkeys %.2f s; audit/memkeys server CPU ratio %.2f\n", ac, mc, (mc > 0 ? ac / mc : 0)
  printf "bytes in keys: audit %d, --memkeys %d over %d keys (%s); the bake replaces %d bytes (%.1f%%)\n", ab, mb, mk, (ab == mb ? "equal" : "DIFFERENT"), arep, 100 * arep / ab
  printf "server latency (redis-cli --latency, ms): idle max %d mean %.3f; during audit max %d mean %.3f; during --memkeys max %d mean %.3f\n", im, ia, am, aa, mm, ma
  printf "latency ratios: audit/idle mean %.2f, audit/memkeys mean %.2f\n", (ia > 0 ? aa / ia : 0), (ma > 0 ? aa / ma : 0)
}'
[ "$ab" = "$mb" ] || { echo "bench-audit: the audit's bytes differ from redis-cli --memkeys'" >&2; exit 1; }
