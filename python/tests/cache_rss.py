"""Worker memory with and without prebake's cache backend (issue 30: at most
20 MB more with the drop-in loaded and a session served).

    python cache_rss.py MANIFEST OUT_DIR REDIS_URL      # prints one JSON line

Runs two fresh worker processes, each a Django 5.1 project whose views make the
app's cache calls (checker/services/data_access.py, views_lists_optimized.py,
filter_options.py, the map and search endpoints; restated, not imported): one
with CACHES on django-redis as the app has it ("plain"), one with
prebake.django.cache.PrebakeCache wrapping it ("prebake"). Before the plain
worker starts, Redis holds what the app's start-up thread writes
(cmu_dataframe_v1, cmu_to_company_mapping), so it serves in its steady state;
the prebake worker starts from an empty Redis. Each worker imports pandas and
django-redis at start-up (as the app's modules do) with pyarrow hidden (the
app's requirements have none), serves the same session of
68 requests with django.test.Client, and reports VmRSS from /proc/self/status
at start and after the session. The figure that counts is the difference of
the two "after" values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

WORKER = r'''
import base64, hashlib, json, os, pickle, sys

class NoPyarrow:
    """The app's requirements have no pyarrow: hide the venv's, so pandas and
    prebake run as they would there."""
    def find_spec(self, name, path=None, target=None):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("pyarrow is not in the app's requirements")
        return None

sys.meta_path.insert(0, NoPyarrow())

def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

mode, manifest, out, redis_url = sys.argv[1:5]
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import path

cache_conf = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_url, "TIMEOUT": 3600}
apps = ["django.contrib.contenttypes"]
if mode == "prebake":
    cache_conf = {**cache_conf, "BACKEND": "prebake.django.cache.PrebakeCache", "PREBAKE_WRAPPED_BACKEND": "django_redis.cache.RedisCache"}
    apps.append("prebake.django")

def company(request, company_id):          # company search, company-year panels
    from django.core.cache import cache
    df = pickle.loads(base64.b64decode(cache.get("cmu_dataframe_v1")))
    rows = df[(df["Normalized Full Name"] == company_id) & (df["Delivery Year"].str.strip() == "2024")]
    return JsonResponse({"cmu_ids": sorted(rows["CMU ID"].unique().tolist())})

def cmu(request, cmu_id):                  # CMU pages, search results
    from django.core.cache import cache
    mapping = cache.get("cmu_to_company_mapping", {})
    key = "components_for_cmu_p1_s100_sortdesc:" + hashlib.md5(cmu_id.encode()).hexdigest()
    if cache.get(key) is None:
        cache.set(key, [{"id": i, "cmu_id": cmu_id, "company": mapping.get(cmu_id, ""), "location": "x" * 200, "description": "y" * 200} for i in range(20)], 3600)
    return JsonResponse({"company": mapping.get(cmu_id, "")})

def companies(request):                    # /companies/, /technologies/
    from django.core.cache import cache
    for k in ("company_list_%s_%s" % (request.GET.get("sort_by", "capacity"), request.GET.get("sort_order", "desc")),
              "technology_list_v3_%s_%s" % (request.GET.get("sort_by", "capacity"), request.GET.get("sort_order", "desc"))):
        v = cache.get(k)
        if not v:
            cache.set(k, json.dumps([{"company_name": "c%d" % i, "total_capacity": float(i)} for i in range(500)]), 3600)
    return HttpResponse("ok")

def filters(request):                      # filter_options.py
    from django.core.cache import cache
    for k in ("filter:technologies:v1", "filter:companies:v2", "filter:auction_years:v1", "filter:complete_options:v2"):
        if cache.get(k) is None:
            cache.set(k, ["f%d" % i for i in range(1000)], 86400)
    return HttpResponse("ok")

def map_data(request):                     # /api/map-data/, /api/search-geojson/ without a viewport
    from django.core.cache import cache
    key = "map_data_" + hashlib.md5(request.GET.urlencode().encode()).hexdigest()
    if cache.get(key) is None:
        cache.set(key, json.dumps({"type": "FeatureCollection", "features": [{"id": i, "p": "z" * 100} for i in range(400)]}), 3600)
    cache.set("geojson_static:" + request.GET.urlencode(), {"features": [{"id": i} for i in range(200)]}, 300)
    return HttpResponse("ok")

urlpatterns = [
    path("company/<str:company_id>/", company), path("cmu/<str:cmu_id>/", cmu), path("companies/", companies),
    path("filters/", filters), path("map/", map_data),
]
settings.configure(DEBUG=False, SECRET_KEY="x", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, INSTALLED_APPS=apps, DATABASES={},
                   CACHES={"default": cache_conf}, PREBAKE_MANIFEST=manifest, PREBAKE_OUT_DIR=out)
import django
django.setup()
import pandas, django_redis  # noqa: F401  (the app's modules import them at start-up)
from django.test import Client
start = rss_mb()
c = Client()
mapping = json.load(open(os.path.join(out, json.load(open(manifest))["assets"]["cmu/cmu_to_company.json"]["path"])))
cmus = sorted(mapping)[:: max(1, len(mapping) // 40)][:40]
names = sorted(set(mapping.values()))[:10]
session = ([f"/company/{''.join(n.lower().split())}/" for n in names] + [f"/cmu/{x}/" for x in cmus]
           + [f"/companies/?sort_by={s}&sort_order={o}" for s in ("capacity", "components", "locations", "name") for o in ("desc", "asc")]
           + ["/filters/"] * 2 + [f"/map/?technology={t}" for t in ("Wind", "Battery", "Solar", "Gas", "Hydro", "DSR", "Nuclear", "Coal")])
for url in session:
    r = c.get(url)
    assert r.status_code == 200, (url, r.status_code)
print(json.dumps({"mode": mode, "requests": len(session), "start_mb": round(start, 1), "after_mb": round(rss_mb(), 1), "pyarrow_imported": "pyarrow" in sys.modules}))
'''

SEED = r'''
import base64, json, os, pickle, sys
import prebake, redis
from django.conf import settings
manifest, out, redis_url = sys.argv[1:4]
settings.configure(CACHES={"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_url}})
import django
django.setup()
from django.core.cache import cache
m = prebake.load(manifest, out_dir=out)
df = prebake.read_table("cmu/cmus", m, engine="json")
cache.set("cmu_to_company_mapping", prebake.cmu_to_company_mapping(m), 86400)
cache.set("cmu_dataframe_v1", base64.b64encode(pickle.dumps(df)).decode("utf-8"), 86400)
'''


def measure(manifest: str, out: str, redis_url: str, python: str = sys.executable) -> dict:
    """{"plain": {...}, "prebake": {...}, "extra_mb": prebake after - plain after}."""
    import redis

    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
    client = redis.from_url(redis_url)
    res = {}
    for mode in ("plain", "prebake"):
        client.flushall()
        if mode == "plain":
            subprocess.run([python, "-c", SEED, manifest, out, redis_url], check=True, env=env)
        p = subprocess.run([python, "-c", WORKER, mode, manifest, out, redis_url], capture_output=True, text=True, env=env)
        if p.returncode != 0:
            raise RuntimeError(f"{mode} worker failed:\n{p.stderr[-3000:]}")
        res[mode] = json.loads(p.stdout.strip().splitlines()[-1])
    res["extra_mb"] = round(res["prebake"]["after_mb"] - res["plain"]["after_mb"], 1)
    res["prebake_keys_in_redis"] = client.dbsize()
    return res


if __name__ == "__main__":
    print(json.dumps(measure(*sys.argv[1:4])))
