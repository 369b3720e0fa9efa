#!/usr/bin/env bash
# `make bench` part for the app's map endpoints served from the bake
# (prebake.django.urls): on the real register in ../shared, in the pinned
# venv (.cache/venv: the app's Django, numpy), pinned to one CPU (taskset), sends
# each endpoint a request set through Django's test client (the full request
# path: URL resolution, the view, JSON encoding) and prints, per endpoint, the
# first request's time (the lazy load of the bake's files) and the p50/p95 of the
# rest against the issue-30 target: p95 <= 20 ms.
#   /api/map-data/                   every /map/ request of the page (11 legend
#                                    technologies x future/historical x UK, London
#                                    and no viewport, a company, a raw class),
#                                    repeated
#   /api/component-map-detail/<id>/  2,000 register ids, seeded random
#   /api/search-geojson/             the map explorer's and search map's
#                                    requests (each tech x show_active x
#                                    viewports and zooms, companies, DSR
#                                    subtypes, text and CMU searches), repeated
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=$root/.cache/venv/bin/python
[ -x "$py" ] || bash scripts/setup-python.sh
# The test run's shared real bake (internal/testkit/realbake): the register, the full
# postcode table and the DNO boundaries, baked once from the current code.
dir=${PREBAKE_REALBAKE:-$(go run ./internal/testkit/realbake/cmd/realbake)}
[ -n "$dir" ] || { echo "bench-views: no real bake (is ../shared there? set PREBAKE_SHARED)" >&2; exit 1; }
echo "the real bake: $dir"

one_cpu=()
command -v taskset >/dev/null && one_cpu=(taskset -c 0)
PYTHONPATH="$root/python/src" "${one_cpu[@]}" "$py" - "$dir/manifest.json" "$dir/out" <<'PY'
import json, os, random, statistics, sys, time

import django
from django.conf import settings

settings.configure(
    DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF="prebake.django.urls", SECRET_KEY="bench",
    INSTALLED_APPS=["prebake.django"], PREBAKE_MANIFEST=sys.argv[1], PREBAKE_OUT_DIR=sys.argv[2],
)
django.setup()
from django.test import Client
from urllib.parse import urlencode

c = Client()
UK = [("north", "58.7"), ("south", "50.0"), ("east", "1.8"), ("west", "-8.2")]
LONDON = [("north", "51.7"), ("south", "51.3"), ("east", "0.3"), ("west", "-0.5")]
techs = ["OCGT", "DSR", "Nuclear", "CHP", "Solar", "Wind", "Battery", "Biomass", "Hydro", "Interconnector", "Coal"]
map_reqs = []
for t in techs:
    for period in ("future", "historical"):
        for vp in (UK, LONDON, []):
            map_reqs.append([("technology", t), ("detail_level", "minimal"), ("cm_period", period), *vp])
map_reqs += [[("technology", "All"), ("company", "FLEXITRICITY LIMITED"), ("cm_period", "future"), *UK],
             [("technology", "Battery"), ("exact_technology", "Storage (Duration 2h)"), ("cm_period", "future"), *UK],
             [("technology", "DSR"), ("detail_level", "full"), ("limit", "500"), *UK]]
geo_reqs = []
for t in ["", "CHP", "DSR", "EV Charging", "Battery", "OCGT", "Wind", "Solar", "Nuclear", "Hydro", "Biomass", "Interconnector", "Coal"]:
    for show in ("true", "false", None):
        p = [("limit", "200"), ("q", "")] + ([("tech", t)] if t else []) + ([("show_active", show)] if show else [])
        geo_reqs += [p, p + LONDON + [("zoom", "12")], p + UK + [("zoom", "6")]]
geo_reqs += [[("limit", "200"), ("q", q)] for q in ("london", "battery storage", "farm road", "CMU", "DSR")]
geo_reqs += [[("limit", "200"), ("tech", "DSR"), ("subtype", s)] for s in ("Octopus", "Axle", "Everything else")]
geo_reqs += [[("limit", "200"), ("company", co)] for co in ("FLEXITRICITY LIMITED", "Everything else", "AXLE ENERGY LIMITED")]
import prebake
m = prebake.get_default()
ids = []
for shard in range(int(m.shardset("cmu/component_details")["params"]["n"])):
    ids += list(m.read_shard("cmu/component_details", str(shard)))
m._shard_cache.clear()  # the bench's own reads do not warm the popups
rng = random.Random(30)
popups = [f"/api/component-map-detail/{i}/" for i in rng.sample(ids, min(2000, len(ids)))]

def run(name, urls, repeat):
    t = time.perf_counter()
    r = c.get(urls[0])
    first = (time.perf_counter() - t) * 1000
    assert r.status_code == 200, (urls[0], r.status_code)
    times = []
    for _ in range(repeat):
        for u in urls:
            t = time.perf_counter()
            r = c.get(u)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (u, r.status_code)
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    ok = "met" if p95 <= 20 else "NOT MET"
    print(f"{name}: {len(times)} requests, first {first:.1f} ms (loads the bake's files), p50 {p50:.2f} ms, p95 {p95:.2f} ms "
          f"(target p95 <= 20 ms: {ok}), max {times[-1]:.1f} ms")
    out = os.environ.get("BENCH_TARGETS")
    if out:
        with open(out, "a") as f:
            f.write(f"issue 30: {name} p95 <= 20 ms (one core)\tp95 {p95:.2f} ms, first request {first:.0f} ms\t{ok}\n")

run("/api/map-data/", ["/api/map-data/?" + urlencode(p) for p in map_reqs], 5)
run("/api/component-map-detail/<id>/", popups, 1)
run("/api/search-geojson/", ["/api/search-geojson/?" + urlencode(p) for p in geo_reqs], 5)
PY
