"""Fill a Redis database the way the Capacity Market web app fills its cache.

Run in the pinned venv (Django 5.1.6, django-redis 5.4.0, redis 5.0.0, pandas
2.2.3). Values are built from the real register rows (components_*.json) in the
shapes the app's live code writes (checker/services/data_access.py,
checker/views.py, checker/services/map_cache.py, filter_options.py,
views_lists_optimized.py, views_search_geojson.py, build_statistics_cache.py),
through Django's cache API with django_redis.cache.RedisCache, with the app's
TTLs. Beside them it writes entries the audit must leave alone: Django sessions
(cache backend) and cache_page entries made by Django itself, other app keys no
bake replaces, Celery's keys, a raw key with an app key's name, a key of
another KEY_PREFIX, and keys in database 1.

Prints JSON: {"families": {family name: [redis keys]}, "unrelated": [redis keys
of db N], "db1": [redis keys of database 1]}. Family names are those of the
app's docs (audit.Families).

usage: python seed_app_cache.py --url redis://127.0.0.1:PORT/0 --register DIR
"""

import argparse
import base64
import glob
import hashlib
import json
import os
import pickle
import sys
import time
import urllib.parse
import uuid


def normalize(text):
    # the app's utils.normalize: lower-case, all whitespace removed
    return "".join(str(text or "").lower().split())


def load_rows(register):
    rows = {}
    for path in sorted(glob.glob(os.path.join(register, "components_*.json"))):
        with open(path, encoding="utf-8") as f:
            for cmu_rows in json.load(f).values():
                for row in cmu_rows:
                    rows.setdefault(row["_id"], row)
    return [rows[k] for k in sorted(rows)]


CATEGORY_KEYWORDS = [("storage", "Battery"), ("battery", "Battery"), ("wind", "Wind"),
                     ("solar", "Solar"), ("hydro", "Hydro"), ("nuclear", "Nuclear"),
                     ("interconnector", "Interconnector"), ("gas", "Gas"), ("chp", "CHP"),
                     ("biomass", "Biomass"), ("waste", "Biomass"), ("coal", "Coal"), ("dsr", "DSR")]


def category(tech):
    if not tech:
        return "Unknown"
    low = tech.lower()
    for word, cat in CATEGORY_KEYWORDS:
        if word in low:
            return cat
    return "Other"


def position(row):
    # The register has no coordinates (the app geocoded with a paid API): a
    # stable point inside GB stands in, so that values have the app's size.
    h = int(hashlib.md5(str(row["_id"]).encode()).hexdigest()[:8], 16)
    return round(50.0 + (h % 8000) / 1000.0, 6), round(-5.0 + (h // 8000 % 6000) / 1000.0, 6)


def detail_url(location):
    return "/location/by-name/" + urllib.parse.quote(location or "Unknown Location", safe="") + "/"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--register", required=True)
    ap.add_argument("--popups", type=int, default=300)
    args = ap.parse_args()

    import django
    from django.conf import settings

    settings.configure(
        CACHES={"default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": args.url,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }},
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.sessions"],
        SESSION_ENGINE="django.contrib.sessions.backends.cache",
        ALLOWED_HOSTS=["testserver"],
        USE_TZ=True,
        TIME_ZONE="UTC",
        SECRET_KEY="prebake-audit-test",
    )
    django.setup()
    import pandas as pd
    import redis
    from django.core.cache import cache

    rows = load_rows(args.register)
    families = {}

    def put(family, key, value, timeout, version=None):
        cache.set(key, value, timeout, version=version)
        families.setdefault(family, []).append(cache.make_key(key, version=version))

    # cmu_dataframe_v1 and cmu_to_company_mapping (data_access.get_cmu_dataframe)
    seen, frame_rows = set(), []
    for r in sorted(rows, key=lambda r: str(r.get("Delivery Year")), reverse=True):
        k = (r.get("CMU ID"), r.get("Company Name"), str(r.get("Delivery Year")), r.get("Auction Name"))
        if k not in seen:
            seen.add(k)
            frame_rows.append({"CMU ID": k[0], "Name of Applicant": k[1], "Full Name": k[1],
                               "Delivery Year": k[2], "Auction Name": k[3]})
    df = pd.DataFrame(frame_rows)
    df["Normalized Full Name"] = df["Full Name"].apply(normalize)
    df["Normalized CMU ID"] = df["CMU ID"].apply(normalize)
    mapping = {}
    for _, row in df.iterrows():
        cmu = (row["CMU ID"] or "").strip()
        if cmu and cmu != "N/A":
            mapping[cmu] = row["Full Name"]
    put("cmu_to_company_mapping", "cmu_to_company_mapping", mapping, 3600 * 24)
    put("cmu_dataframe_v1", "cmu_dataframe_v1", base64.b64encode(pickle.dumps(df)).decode("utf-8"), 3600 * 24)

    # popups: component_detail_<id> (views.component_map_detail_api), map_detail:<id> (map_cache)
    def popup(r):
        company = r.get("Company Name") or "Unknown"
        return {"success": True, "data": {
            "id": r["_id"], "title": r.get("Location and Post Code") or "Unknown Location",
            "technology": r.get("Generating Technology Class") or "Unknown",
            "display_technology": category(r.get("Generating Technology Class")),
            "company": company, "company_id": normalize(company) if company != "Unknown" else None,
            "description": r.get("Description of CMU Components") or "",
            "delivery_year": str(r.get("Delivery Year") or ""), "auction_name": r.get("Auction Name") or "",
            "cmu_id": r.get("CMU ID") or "", "detailUrl": detail_url(r.get("Location and Post Code")),
            "components_at_location": [{"id": r["_id"], "delivery_year": str(r.get("Delivery Year") or "Unknown"),
                                        "auction_name": r.get("Auction Name") or "", "cmu_id": r.get("CMU ID") or "Unknown",
                                        "derated_capacity_mw": str(r.get("De-Rated Capacity") or "N/A"),
                                        "detailUrl": detail_url(r.get("Location and Post Code"))}],
            "has_multiple_years": False}}
    for r in rows[:args.popups]:
        put("component_detail_<id>", f"component_detail_{r['_id']}", popup(r), 60 * 30)
    for r in rows[args.popups:args.popups + 40]:
        put("map_detail:<id>", f"map_detail:{r['_id']}", popup(r)["data"], 60 * 60 * 6)

    # map points: map_data_<md5> (views.map_data_api), map_data_v2.1:<md5> (map_cache)
    by_cat = {}
    for r in rows:
        by_cat.setdefault(category(r.get("Generating Technology Class")), []).append(r)

    def feature_collection(cat_rows, limit):
        feats = []
        for r in cat_rows[:limit]:
            lat, lng = position(r)
            feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lng, lat]},
                          "properties": {"id": r["_id"], "cmu_id": r.get("CMU ID", ""),
                                         "title": r.get("Location and Post Code") or "Unknown Location",
                                         "technology": r.get("Generating Technology Class") or "Unknown",
                                         "display_technology": category(r.get("Generating Technology Class")),
                                         "company": r.get("Company Name") or "Unknown",
                                         "description": r.get("Description of CMU Components") or "",
                                         "delivery_year": str(r.get("Delivery Year") or ""),
                                         "auction_name": r.get("Auction Name") or "",
                                         "detailUrl": detail_url(r.get("Location and Post Code"))}})
        return {"type": "FeatureCollection", "features": feats,
                "metadata": {"count": len(feats), "total": len(cat_rows), "filtered": True}}

    relevant = ["technology", "north", "south", "east", "west", "company", "year", "cmu_id",
                "detail_level", "exact_technology", "cm_period"]
    for cat in sorted(by_cat):
        for north, south, east, west in [("58.7", "50.0", "1.8", "-8.2"), ("53.5", "51.0", "0.5", "-2.5")]:
            params = {"technology": cat, "north": north, "south": south, "east": east, "west": west,
                      "detail_level": "minimal", "cm_period": "future"}
            filtered = {k: params.get(k, "") for k in relevant if k in params}
            h = hashlib.md5(json.dumps(sorted(filtered.items())).encode("utf-8")).hexdigest()
            put("map_data_<md5>", f"map_data_{h}", json.dumps(feature_collection(by_cat[cat], 250)), 3600)
        params = {"technology": cat, "zoom": "6"}
        h = hashlib.md5(json.dumps(sorted(params.items())).encode("utf-8")).hexdigest()
        put("map_data_v2.1:<md5>", f"map_data_v2.1:{h}", json.dumps(feature_collection(by_cat[cat], 500)), 60 * 60 * 24)
        # tech_map_<category>: the raw classes of a category (views.map_data_api)
        put("tech_map_<category>", f"tech_map_{cat}",
            sorted({r.get("Generating Technology Class") or "" for r in by_cat[cat]}), 3600)
        # map_cluster:z<zoom>_<n>_<s>_<e>_<w>_<tech> (map_cache.cache_clusters)
        clusters = [{"lat": position(r)[0], "lng": position(r)[1], "count": 1, "ids": [r["_id"]]} for r in by_cat[cat][:200]]
        put("map_cluster:*", f"map_cluster:z7_58.70_50.00_1.80_-8.20_{cat}", clusters, 60 * 60 * 24 * 3)

    # location groups: geojson_static:<params> (views_search_geojson.search_results_geojson)
    groups = {}
    for r in rows:
        loc = r.get("Location and Post Code")
        if loc and loc not in ("N/A", "NA"):
            groups.setdefault(loc, []).append(r)

    def group_collection(items):
        feats = []
        for i, (loc, rs) in enumerate(items):
            lat, lng = position(rs[0])
            feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lng, lat]},
                          "properties": {"id": i + 1, "title": loc, "tech": category(rs[0].get("Generating Technology Class")),
                                         "company": rs[0].get("Company Name"), "desc": (rs[0].get("Description of CMU Components") or "")[:100],
                                         "cmu": sorted(r.get("CMU ID") or "" for r in rs)[0], "url": detail_url(loc),
                                         "count": len(rs), "active": True, "mw": 0}})
        return {"type": "FeatureCollection", "features": feats}
    items = sorted(groups.items())
    put("geojson_static:<params>", "geojson_static:empty", group_collection(items[:200]), 300)
    battery = [(l, rs) for l, rs in items if category(rs[0].get("Generating Technology Class")) == "Battery"]
    put("geojson_static:<params>", "geojson_static:tech=Battery&limit=200", group_collection(battery[:200]), 300)

    # lists (views_lists_optimized), filters (filter_options), index, statistics
    companies = {}
    for r in rows:
        c = companies.setdefault(r.get("Company Name") or "", {"component_count": 0, "locations": set()})
        c["component_count"] += 1
        c["locations"].add(r.get("Location and Post Code"))
    company_list = [{"company_name": n, "company_id": normalize(n), "location_count": len(c["locations"]),
                     "component_count": c["component_count"], "total_capacity": 0.0}
                    for n, c in sorted(companies.items()) if n]
    for sort_by in ("capacity", "components"):
        put("company_list_<sort>_<order>", f"company_list_{sort_by}_desc", json.dumps(company_list[:500]), timeout=3600)
    techs = sorted({r.get("Generating Technology Class") for r in rows if r.get("Generating Technology Class")})
    put("technology_list_v3_<sort>_<order>", "technology_list_v3_capacity_desc",
        json.dumps([{"technology": t, "location_count": 1, "component_count": 1, "total_capacity": 0.0} for t in techs]), timeout=3600)
    years = sorted({r.get("Auction Name") or "" for r in rows}, reverse=True)
    put("filter:*", "filter:technologies:v1", techs, 86400)
    put("filter:*", "filter:companies:v2", [c["company_name"] for c in company_list], 86400)
    put("filter:*", "filter:auction_years:v1", years, 86400)
    put("filter:*", "filter:complete_options:v2", {"technologies": techs, "companies": [c["company_name"] for c in company_list],
                                                    "auction_years": years}, 86400)
    index = {c["company_id"]: {"company_name": c["company_name"], "normalized_name": c["company_id"],
                               "num_components": c["component_count"]} for c in company_list}
    put("company_index_v1", "company_index_v1", base64.b64encode(pickle.dumps(index)).decode("utf-8"), 60 * 60 * 24 * 3)
    put("company_index_last_updated", "company_index_last_updated", time.time(), 60 * 60 * 24 * 3)
    stats = {"summary": {"total_components": len(rows), "total_companies": len(company_list),
                         "total_technologies": len(techs), "total_capacity": 0.0},
             "top_companies_count": sorted(({"company_name": c["company_name"], "count": c["component_count"]} for c in company_list),
                                           key=lambda c: -c["count"])[:25]}
    put("statistics_page_data", "statistics_page_data", json.dumps(stats), timeout=60 * 60 * 6)
    outward = {}
    for loc in groups:
        outward.setdefault(normalize(loc)[:12], []).append(loc[-8:].replace(" ", "").upper())
    put("location_to_postcodes_mapping", "location_to_postcodes_mapping", outward, timeout=None, version="1")

    # --- what the audit must leave alone ---
    unrelated = []

    def keep(key, value, timeout, version=None):
        cache.set(key, value, timeout, version=version)
        unrelated.append(cache.make_key(key, version=version))
    # an app key's name under another cache VERSION: not the app's entry
    keep("cmu_to_company_mapping", {"A": "B"}, 3600 * 24, version=2)
    # other app keys no bake replaces (views.statistics_view, derated_capacity_list, search)
    keep("statistics_count_desc_count_desc", {"total_components": len(rows)}, 1800)
    keep("derated_capacity_list_p1_sdesc_pp50", "<html>page 1</html>" * 50, 1800)
    keep("derated_capacity_list_p2_sdesc_pp50", "<html>page 2</html>" * 50, 1800)
    keep("search_results_battery_per10_sortrelevance_desc", {"query": "battery", "components": rows[:10]}, 3600)

    # Django's own sessions (cache backend) and cache_page entries
    from django.contrib.sessions.backends.cache import SessionStore
    for i in range(5):
        s = SessionStore()
        s["user_id"] = i
        s["access_level"] = "full"
        s.create()
        unrelated.append(cache.make_key(SessionStore.cache_key_prefix + s.session_key))
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.views.decorators.cache import cache_page
    before = set(_keys(args.url))
    view = cache_page(120, key_prefix="cmr")(lambda request: HttpResponse(json.dumps(stats), content_type="application/json"))
    for path in ("/technologies/", "/companies/", "/help/"):
        view(RequestFactory().get(path))
    unrelated += sorted(set(_keys(args.url)) - before)

    # Celery's keys, a raw key with an app key's name, another KEY_PREFIX
    raw = redis.Redis.from_url(args.url)
    for i in range(5):
        k = f"celery-task-meta-{uuid.UUID(int=i + 1)}"
        raw.set(k, json.dumps({"status": "SUCCESS", "result": i}), ex=86400)
        unrelated.append(k)
    raw.sadd("_kombu.binding.celery", "celery\x06\x16\x06\x16celery")
    raw.rpush("celery", json.dumps({"task": "warm_cache"}))
    raw.hset("unacked", mapping={"tag1": "{}", "tag2": "{}"})
    raw.zadd("unacked_index", {"tag1": 1.0, "tag2": 2.0})
    raw.set("cmu_dataframe_v1", "a raw key, not Django's")
    raw.set("otherapp:1:map_data_" + "0" * 32, "another KEY_PREFIX")
    # keys that only look like Django's: a version Django never writes (str(int)
    # has no leading zero, no sign)
    lookalikes = [":001:cmu_dataframe_v1", ":01:component_detail_5", ":+1:map_data_" + "0" * 32, ":00:statistics_page_data"]
    for k in lookalikes:
        raw.set(k, "not Django's")
    unrelated += ["_kombu.binding.celery", "celery", "unacked", "unacked_index", "cmu_dataframe_v1",
                  "otherapp:1:map_data_" + "0" * 32] + lookalikes

    # database 1: the same names, another database
    db1 = redis.Redis.from_url(args.url.rsplit("/", 1)[0] + "/1")
    db1.set(":1:cmu_dataframe_v1", "database 1")
    db1.set(f":1:component_detail_{rows[0]['_id']}", "database 1", ex=1800)

    json.dump({"families": families, "unrelated": unrelated,
               "db1": [":1:cmu_dataframe_v1", f":1:component_detail_{rows[0]['_id']}"]}, sys.stdout, indent=1)


def _keys(url):
    import redis
    return [k.decode() for k in redis.Redis.from_url(url).scan_iter(count=1000)]


if __name__ == "__main__":
    main()
