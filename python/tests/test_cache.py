"""prebake.django.cache.PrebakeCache against a real redis-server, Django 5.1.6
and django-redis 5.4.0 (the app's pinned versions), on the real register's
shared bake: a session of the app's own cache calls (keys and values restated
from its code, cachetest.py) leaves none of the replaced families in Redis,
every value the app gets is the value its code would have stored, and every
other key passes through."""

from __future__ import annotations

import contextlib
import json
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cachetest import (
    ROOT,
    RedisServer,
    app_cmu_frame,
    app_cmu_mapping,
    app_company_list,
    app_technology_list,
    decode_frame,
    encode_frame,
    md5,
    realbake,  # noqa: F401  (a fixture)
    register_components,
)
from conftest import shared_path

WRAPPED = {
    "django-redis": "django_redis.cache.RedisCache",  # app-integration.md: django-redis 5.4.0, pickle serializer
    "django": "django.core.cache.backends.redis.RedisCache",  # what the app's settings.py names at its HEAD
}

# The replaced and request-keyed families, restated from app-integration.md
# (not read from cache_families.json: the test checks the file too).
KEPT_OUT = ("cmu_dataframe_v1", "cmu_to_company_mapping", "map_data_", "component_detail_", "geojson_static:", "tech_map_",
            "company_list_", "technology_list_v3_", "filter:", "components_for_cmu", "statistics_page_data", "company_index_v1",
            "company_index_last_updated", "map_cluster:", "map_detail:")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    s = RedisServer(tmp_path_factory.mktemp("redis"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def bake_files(realbake):
    m = json.loads((realbake / "manifest.json").read_text(encoding="utf-8"))

    def asset(name):
        return json.loads((realbake / "out" / m["assets"][name]["path"]).read_text(encoding="utf-8"))

    return asset


@pytest.fixture
def backend(django_project, realbake, redis_server, request):
    """CACHES["default"] = PrebakeCache wrapping the backend given by the
    test's parameter (default django-redis), on the shared real bake, with an
    empty Redis; the project's settings back afterwards."""
    from django.core.cache import caches
    from django.test import override_settings

    from prebake.django import load_manifest
    from prebake.django import cache as pc

    wrapped = WRAPPED[getattr(request, "param", "django-redis")]
    redis_server.client.flushall()
    pc._stores.clear()
    conf = {"BACKEND": "prebake.django.cache.PrebakeCache", "PREBAKE_WRAPPED_BACKEND": wrapped, "LOCATION": redis_server.url, "TIMEOUT": 3600}
    with override_settings(CACHES={"default": conf}, PREBAKE_MANIFEST=str(realbake / "manifest.json"), PREBAKE_OUT_DIR=str(realbake / "out")):
        load_manifest()
        yield caches["default"]
        caches["default"].close()
    pc._stores.clear()
    load_manifest()


def family_bodies(keys: list[bytes], prefix: bytes = b":1:") -> list[str]:
    return [k[len(prefix):].decode() for k in keys if k.startswith(prefix)]


def app_session(cache, components_rows: int = 160) -> dict[str, object]:
    """The app's cache calls of a session over its pages and endpoints, as its
    code makes them; returns {key: value the app got back}."""
    from django.core.cache import cache as _  # noqa: F401  (the app imports it)

    got: dict[str, object] = {}
    # start-up thread and get_cmu_dataframe: load, else rebuild and write both back
    v = cache.get("cmu_dataframe_v1")
    got["cmu_dataframe_v1"] = v
    cache.set("cmu_to_company_mapping", {"X": "y"}, 3600 * 24)  # (the rebuild path's writes, on a miss)
    cache.set("cmu_dataframe_v1", "not the frame", 3600 * 24)
    got["cmu_to_company_mapping"] = cache.get("cmu_to_company_mapping", {})
    # /companies/ and /technologies/ (views_lists_optimized.py)
    for sort_by in ("capacity", "components", "locations", "name", "bogus"):
        for order in ("desc", "asc"):
            k = f"company_list_{sort_by}_{order}"
            if not cache.get(k):
                cache.set(k, json.dumps([{"company_name": "built by the app"}]), timeout=3600)
            got[k] = cache.get(k)
            k = f"technology_list_v3_{sort_by}_{order}"
            if not cache.get(k):
                cache.set(k, json.dumps([{"technology": "built by the app"}]), timeout=3600)
            got[k] = cache.get(k)
    # filter_options.py
    for k in ("filter:technologies:v1", "filter:companies:v2", "filter:auction_years:v1", "filter:complete_options:v2"):
        if cache.get(k) is None:
            cache.set(k, ["built by the app"], 86400)
        got[k] = cache.get(k)
    # request-keyed: /api/map-data/, tech_map, popups, search map, search results
    for q in ("technology=Wind", "technology=Battery&company=X", "year=2024", "north=55&south=50&east=1&west=-3"):
        k = "map_data_" + md5(q)
        cache.set(k, json.dumps({"type": "FeatureCollection", "features": [], "q": q}), 3600)
        got[k] = cache.get(k)
    cache.set("tech_map_Battery", ["Storage (Duration 4h)", "Battery"], 3600)
    got["tech_map_Battery"] = cache.get("tech_map_Battery")
    cache.set("component_detail_4711", {"success": True, "data": {"id": 4711}}, 1800)
    got["component_detail_4711"] = cache.get("component_detail_4711")
    cache.set("geojson_static:tech=Battery&limit=200", {"type": "FeatureCollection", "features": []}, 300)
    got["geojson_static:tech=Battery&limit=200"] = cache.get("geojson_static:tech=Battery&limit=200")
    for i in range(components_rows):
        k = f"components_for_cmu_p1_s100_sortdesc:{md5(f'query {i}')}"
        cache.set(k, [{"id": i, "cmu_id": f"CMU{i}", "location": "x" * 40}], 3600)
        got[k] = cache.get(k)
    # builders without a live reader
    cache.set("statistics_page_data", json.dumps({"summary": {}}), 6 * 3600)
    cache.set("company_index_v1", "base64 of a pickle", 3 * 86400)
    cache.set("map_cluster:z7_Wind", [1, 2], 3 * 86400)
    return got


def test_session_keeps_replaced_families_out_of_redis(backend, redis_server, realbake, bake_files) -> None:
    got = app_session(backend)
    # Keys that pass through: a session, a cache_page entry, the postcode mapping, a counter.
    backend.set("django.contrib.sessions.cachekmjt5ebnuhua9a1pih8t2ykdx0b1ndk3", {"_auth_user_id": "1"}, 1209600)
    backend.set("views.decorators.cache.cache_page.cmr.GET.abc.en-us.UTC", b"<html>", 120)
    backend.set("location_to_postcodes_mapping", {"peckham": ["SE15"]}, 1800 * 24, version=2)
    backend.set("search_results_battery_per10_sortrelevance_desc", {"query": "battery"}, 3600)
    backend.set("hits", 1)
    assert backend.incr("hits", 4) == 5

    bodies = family_bodies(redis_server.keys())
    kept_out = [b for b in bodies if b.startswith(KEPT_OUT)]
    assert kept_out == [], f"replaced families in Redis: {kept_out}"
    assert sorted(bodies) == sorted([
        "django.contrib.sessions.cachekmjt5ebnuhua9a1pih8t2ykdx0b1ndk3",
        "views.decorators.cache.cache_page.cmr.GET.abc.en-us.UTC",
        "search_results_battery_per10_sortrelevance_desc",
        "hits",
    ])
    assert redis_server.client.exists(":2:location_to_postcodes_mapping") == 1
    assert backend.get("location_to_postcodes_mapping", version=2) == {"peckham": ["SE15"]}
    assert backend.get("hits") == 5

    # cmu_dataframe_v1: a str get_cmu_dataframe decodes into the app's frame,
    # built here from the raw register rows with the app's rules.
    import pandas as pd

    assert isinstance(got["cmu_dataframe_v1"], str)
    df = decode_frame(got["cmu_dataframe_v1"])
    want = app_cmu_frame(register_components(shared_path("data/register")))
    pd.testing.assert_frame_equal(df, want)
    assert list(df.columns) == ["CMU ID", "Name of Applicant", "Full Name", "Delivery Year", "Auction Name", "Normalized Full Name", "Normalized CMU ID"]
    assert all(isinstance(y, str) for y in df["Delivery Year"].dropna())
    assert (df["Delivery Year"] == "2024").sum() > 0  # the app's filter works on strings
    assert got["cmu_to_company_mapping"] == app_cmu_mapping(want)

    companies = bake_files("locations/company_list.json")
    technologies = bake_files("locations/technology_list.json")
    for sort_by in ("capacity", "components", "locations", "name", "bogus"):
        for order in ("desc", "asc"):
            assert got[f"company_list_{sort_by}_{order}"] == app_company_list(companies, sort_by, order), (sort_by, order)
            assert got[f"technology_list_v3_{sort_by}_{order}"] == app_technology_list(technologies, sort_by, order), (sort_by, order)
    assert len(json.loads(got["company_list_capacity_desc"])) == min(500, len(companies))
    fo = bake_files("locations/filter_options.json")
    assert got["filter:technologies:v1"] == fo["technologies"]
    assert got["filter:companies:v2"] == fo["companies"]
    assert got["filter:auction_years:v1"] == fo["auction_years"]
    assert got["filter:complete_options:v2"] == {"technologies": fo["technologies"], "companies": fo["companies"], "auction_years": fo["auction_years"]}

    # request-keyed values come back as stored, from this process
    assert json.loads(got["map_data_" + md5("year=2024")])["q"] == "year=2024"
    assert got["tech_map_Battery"] == ["Storage (Duration 4h)", "Battery"]
    assert got["component_detail_4711"] == {"success": True, "data": {"id": 4711}}
    assert got[f"components_for_cmu_p1_s100_sortdesc:{md5('query 159')}"] == [{"id": 159, "cmu_id": "CMU159", "location": "x" * 40}]


@pytest.mark.parametrize("backend", ["django"], indirect=True)
def test_session_with_djangos_own_redis_backend(backend, redis_server, bake_files) -> None:
    """The app's settings.py at its HEAD names Django's own RedisCache: the
    same session keeps the same families out."""
    got = app_session(backend, components_rows=10)
    backend.set("django.contrib.sessions.cacheabc", {"a": 1})
    bodies = family_bodies(redis_server.keys())
    assert bodies == ["django.contrib.sessions.cacheabc"]
    assert decode_frame(got["cmu_dataframe_v1"]).shape[1] == 7
    assert got["filter:companies:v2"] == bake_files("locations/filter_options.json")["companies"]
    # django-redis' extras exist exactly when the wrapped backend has them
    assert not hasattr(backend, "delete_pattern") and not hasattr(backend, "keys")


def test_values_are_fresh_copies(backend) -> None:
    """As from Redis, each get returns a new object: the app mutating one does
    not change the next."""
    m = backend.get("cmu_to_company_mapping")
    m["ZZZ"] = "mutated"
    assert "ZZZ" not in backend.get("cmu_to_company_mapping")
    backend.set("components_for_cmu_p1_s10_sortasc:abc", [{"a": 1}])
    v = backend.get("components_for_cmu_p1_s10_sortasc:abc")
    v.append("mutated")
    assert backend.get("components_for_cmu_p1_s10_sortasc:abc") == [{"a": 1}]


def test_pass_through_api(backend, redis_server) -> None:
    """get_many/set_many/delete_many/add/touch/has_key/incr/decr/clear split
    by family; delete also removes what Redis held from before the switch."""
    failed = backend.set_many({"a": 1, "map_data_" + md5("x"): "m", "filter:complete_options:v2": {"x": 1}, "b": 2}, 60)
    assert failed == []
    assert family_bodies(redis_server.keys()) == ["a", "b"]
    many = backend.get_many(["a", "b", "map_data_" + md5("x"), "nope", "filter:auction_years:v1", "map_data_" + md5("y")])
    assert many["a"] == 1 and many["b"] == 2 and many["map_data_" + md5("x")] == "m"
    assert "nope" not in many and "map_data_" + md5("y") not in many
    assert isinstance(many["filter:auction_years:v1"], list) and many["filter:auction_years:v1"]
    assert backend.add("a", 9) is False and backend.add("c", 3) is True
    assert backend.add("cmu_dataframe_v1", "x") is False  # the key holds the bake's value
    assert backend.add("tech_map_Wind", ["Onshore Wind"]) is True and backend.add("tech_map_Wind", []) is False
    assert backend.has_key("cmu_dataframe_v1") and backend.has_key("tech_map_Wind") and not backend.has_key("tech_map_Solar")
    assert backend.touch("tech_map_Wind", 100) and not backend.touch("tech_map_Solar", 100)
    backend.set("components_for_cmu_n", 1)
    assert backend.incr("components_for_cmu_n", 2) == 3 and backend.decr("components_for_cmu_n") == 2
    with pytest.raises(ValueError):
        backend.incr("components_for_cmu_missing")
    with pytest.raises(ValueError):
        backend.incr("cmu_dataframe_v1")
    # a key written to Redis before the switch-over is still deleted
    redis_server.client.set(":1:map_data_" + md5("old"), b"old")
    assert backend.delete("map_data_" + md5("old")) is True
    assert redis_server.client.exists(":1:map_data_" + md5("old")) == 0
    backend.delete_many(["a", "map_data_" + md5("x")])
    assert backend.get("a") is None and backend.get("map_data_" + md5("x")) is None
    assert backend.get("b") == 2
    backend.clear()
    assert redis_server.keys() == [] and backend.get("tech_map_Wind") is None
    assert isinstance(backend.get("cmu_dataframe_v1"), str)  # the bake is still there


def test_django_redis_extras(backend, redis_server) -> None:
    """keys, iter_keys, delete_pattern and ttl see both stores."""
    backend.set("map_data_" + md5("a"), 1, 100)
    backend.set("search_results_1", 1, 100)
    backend.set("components_for_cmu_p1_s100_sortdesc:x", [1], None)
    assert sorted(backend.keys("*")) == sorted(["map_data_" + md5("a"), "search_results_1", "components_for_cmu_p1_s100_sortdesc:x"])
    assert sorted(backend.iter_keys("map_data_*")) == ["map_data_" + md5("a")]
    assert 95 <= backend.ttl("map_data_" + md5("a")) <= 100
    assert backend.ttl("components_for_cmu_p1_s100_sortdesc:x") is None
    assert backend.ttl("map_data_" + md5("gone")) == 0
    assert backend.ttl("cmu_dataframe_v1") is None
    assert 95 <= backend.ttl("search_results_1") <= 100
    assert backend.delete_pattern("*_1") == 1
    assert backend.delete_pattern("map_data_*") == 1
    assert backend.keys("*") == ["components_for_cmu_p1_s100_sortdesc:x"]
    assert backend.client is not None  # any other attribute is the wrapped backend's


def test_timeouts_and_versions(backend) -> None:
    backend.set("map_data_" + md5("t"), "soon", 1)
    backend.set("map_data_" + md5("z"), "never", 0)  # Django: 0 expires at once
    assert backend.get("map_data_" + md5("z")) is None
    backend.set("map_data_" + md5("v"), "one", version=1)
    backend.set("map_data_" + md5("v"), "two", version=2)
    assert backend.get("map_data_" + md5("v")) == "one" and backend.get("map_data_" + md5("v"), version=2) == "two"
    assert backend.get("map_data_" + md5("t")) == "soon"
    time.sleep(1.1)
    assert backend.get("map_data_" + md5("t")) is None


@contextlib.contextmanager
def small_process_store(redis_server, wrapped: str, limit: int):
    """CACHES["default"] = PrebakeCache wrapping ``wrapped`` with a process
    store of ``limit`` bytes, fresh stores before and after."""
    from django.core.cache import caches
    from django.test import override_settings

    from prebake.django import cache as pc

    pc._stores.clear()
    conf = {"BACKEND": "prebake.django.cache.PrebakeCache", "PREBAKE_WRAPPED_BACKEND": wrapped, "LOCATION": redis_server.url,
            "PREBAKE_PROCESS_MAX_BYTES": limit}
    try:
        with override_settings(CACHES={"default": conf}):
            c = caches["default"]
            yield c
            c.close()
    finally:
        pc._stores.clear()


def test_process_store_is_bounded(django_project, realbake, redis_server) -> None:
    """The per-process store never holds more than PREBAKE_PROCESS_MAX_BYTES;
    the least recently used go first; a value over a quarter of it is not kept."""
    limit = 64 << 10
    with small_process_store(redis_server, WRAPPED["django-redis"], limit) as c:
        value = ["x" * 1000]  # about 1 KB pickled
        for i in range(500):
            c.set(f"components_for_cmu_p1_s100_sortdesc:{i}", value)
            if i == 10:
                assert c.get("components_for_cmu_p1_s100_sortdesc:0") == value  # touched: now recent
            assert c._process.used <= limit
        assert c.get("components_for_cmu_p1_s100_sortdesc:0") is None  # evicted after all
        assert c.get("components_for_cmu_p1_s100_sortdesc:499") == value
        assert c.get("components_for_cmu_p1_s100_sortdesc:1") is None
        assert c.set("components_for_cmu_big", "y" * (limit // 4 + 1)) is False
        assert c.get("components_for_cmu_big") is None
        assert redis_server.keys() == []


def test_process_store_bound_counts_keys(django_project, realbake, redis_server) -> None:
    """The bound is on memory, not on values alone: the app's search caches an
    empty result (``cache.set(components_cache_key, [], 3600)``, a 5-byte
    pickle) under a key that carries the search text when it is alphanumeric
    (``get_cache_key``: ``components_for_cmu_p1_s100_sortdesc_<text>``), so
    distinct long searches must not grow the worker past
    PREBAKE_PROCESS_MAX_BYTES (the keys were not counted: 2,000 such searches
    held about 4 MB under a 64 KiB bound)."""
    import gc
    import tracemalloc

    limit = 64 << 10
    with small_process_store(redis_server, WRAPPED["django"], limit) as c:
        for variant in ("ascii", "wide"):
            c._process.clear()
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            for i in range(2000):
                text = (f"{i:06d}" + ("a" if variant == "ascii" else "\u0101") * 1000).lower()  # str.isalnum() holds for both
                c.set(f"components_for_cmu_p1_s100_sortdesc_{text}", [], 3600)
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
            tracemalloc.stop()
            assert held <= 2 * limit, (variant, held, len(c._process))
            assert c.get(f"components_for_cmu_p1_s100_sortdesc_{1999:06d}" + ("a" if variant == "ascii" else "\u0101") * 1000) == []
        assert redis_server.keys() == []


def test_ambiguous_list_key_stays_in_process(backend, redis_server) -> None:
    """company_list_{sort_by}_{sort_order} with underscores in the request's
    values: a key whose splits give different answers is not answered from the
    bake (it would not be the app's value) and still never reaches Redis."""
    k = "company_list_name_x_desc"  # sort_by=name, sort_order=x_desc (name asc) or name_x, desc (capacity desc)
    assert backend.get(k) is None
    backend.set(k, "the app's own", 3600)
    assert backend.get(k) == "the app's own"
    # unambiguous although odd: every split gives capacity, ascending
    assert json.loads(backend.get("company_list_a_b_c"))[0]["total_capacity"] <= json.loads(backend.get("company_list_a_b_c"))[-1]["total_capacity"]
    # a filter:* key the app's live code does not build
    backend.set("filter:companies:v1", ["old"], 60)
    assert backend.get("filter:companies:v1") == ["old"]
    assert redis_server.keys() == []


def test_without_the_bake_the_families_pass_through(django_project, redis_server, tmp_path, caplog) -> None:
    """A manifest that cannot be loaded never breaks the app: the bake's
    families go to the wrapped backend (as without prebake) and it is logged."""
    from django.core.cache import caches
    from django.test import override_settings

    from prebake.django import cache as pc
    from prebake.django import load_manifest

    pc._stores.clear()
    pc._bake_failed = False
    redis_server.client.flushall()
    conf = {"BACKEND": "prebake.django.cache.PrebakeCache", "PREBAKE_WRAPPED_BACKEND": WRAPPED["django-redis"], "LOCATION": redis_server.url}
    with override_settings(CACHES={"default": conf}, PREBAKE_MANIFEST=str(tmp_path / "missing.json")):
        load_manifest()
        c = caches["default"]
        assert c.get("cmu_dataframe_v1") is None
        c.set("cmu_dataframe_v1", "the app's frame")
        assert c.get("cmu_dataframe_v1") == "the app's frame"
        c.set("components_for_cmu_x", [1])  # request-keyed: still never Redis
        assert family_bodies(redis_server.keys()) == ["cmu_dataframe_v1"]
        assert "the bake is unavailable" in caplog.text
        c.close()
    load_manifest()
    pc._stores.clear()


def test_settings_errors(django_project) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from prebake.django.cache import PrebakeCache

    with pytest.raises(ImproperlyConfigured, match="PREBAKE_WRAPPED_BACKEND"):
        PrebakeCache("redis://x", {})
    with pytest.raises(ImproperlyConfigured, match="cannot be imported"):
        PrebakeCache("redis://x", {"PREBAKE_WRAPPED_BACKEND": "no.such.Backend"})
    with pytest.raises(ImproperlyConfigured, match="PrebakeCache itself"):
        PrebakeCache("redis://x", {"PREBAKE_WRAPPED_BACKEND": "prebake.django.cache.PrebakeCache"})


def test_lazy_nothing_read_until_used(realbake, redis_server, tmp_path) -> None:
    """Django start-up with the backend (and cache calls of passed-through and
    request-keyed keys) imports no pandas and opens no file of the bake; the
    first get of cmu_dataframe_v1 opens one (cmu/cmus.json), and a second none."""
    script = f"""
import sys, django
from django.conf import settings
settings.configure(INSTALLED_APPS=["prebake.django"], PREBAKE_MANIFEST={str(realbake / 'manifest.json')!r}, PREBAKE_OUT_DIR={str(realbake / 'out')!r},
    CACHES={{"default": {{"BACKEND": "prebake.django.cache.PrebakeCache", "PREBAKE_WRAPPED_BACKEND": "django_redis.cache.RedisCache", "LOCATION": {redis_server.url!r}}}}})
django.setup()
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
from django.core.cache import cache
cache.set("a", 1); cache.get("a"); cache.set("components_for_cmu_x", [1]); cache.get("components_for_cmu_x")
print("pandas" in sys.modules, [f for f in opened if "/out/" in f])
cache.get("cmu_dataframe_v1")
print("pandas" in sys.modules, [f.rsplit("/", 1)[-1].split(".")[0] for f in opened if "/out/" in f])
cache.get("cmu_dataframe_v1")
print(len([f for f in opened if "/out/" in f]))
"""
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "python" / "src"), "PATH": "/usr/bin:/bin"})
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["False []", "True ['cmus']", "1"]


def test_family_table_is_the_go_one() -> None:
    """The packaged table is internal/apprules/cache_families.json byte for
    byte, and sorts keys as audit's TestFamilyOf does."""
    from prebake.django.cache import families_json, family_of

    assert families_json() == (ROOT / "internal" / "apprules" / "cache_families.json").read_bytes()
    h = "0cc175b9c0f1b6a831c399e269772661"
    for body, want in [
        ("cmu_dataframe_v1", "cmu_dataframe_v1"), ("map_data_" + h, "map_data_<md5>"), ("map_data_v2.1:" + h, "map_data_v2.1:<md5>"),
        ("component_detail_308538", "component_detail_<id>"), ("geojson_static:empty", "geojson_static:<params>"),
        ("tech_map_Battery", "tech_map_<category>"), ("company_list_capacity_desc", "company_list_<sort>_<order>"),
        ("technology_list_v3_components_asc", "technology_list_v3_<sort>_<order>"), ("filter:complete_options:v2", "filter:*"),
        ("components_for_cmu_p1_s100_sortdesc:abc", "components_for_cmu*"), ("django.contrib.sessions.cacheabc", "django sessions"),
        ("map_data_" + h.upper(), None), ("map_data_sw11_5712345", None), ("component_detail_12a", None), ("component_detail_", None),
        ("component_detail_\u0661", None), ("cmu_dataframe_v2", None), ("", None),
    ]:
        f = family_of(body)
        assert (f.name if f else None) == want, body


def test_wheel_ships_the_table(tmp_path) -> None:
    """`pip wheel ./python` copies the symlinks' targets (cache_families.json,
    app_rules.json) into the wheel (built
    from a copy of python/ and the file, the symlink kept as a symlink, so that
    the build leaves nothing in the checkout)."""
    import zipfile

    src = tmp_path / "repo"
    shutil.copytree(ROOT / "python", src / "python", symlinks=True, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    (src / "internal" / "apprules").mkdir(parents=True)
    for name in ("cache_families.json", "app_rules.json"):
        shutil.copy(ROOT / "internal" / "apprules" / name, src / "internal" / "apprules")
        assert (src / "python" / "src" / "prebake" / "data" / name).is_symlink()
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(src / "python")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    (wheel,) = tmp_path.glob("prebake-*.whl")
    with zipfile.ZipFile(wheel) as z:
        for name in ("cache_families.json", "app_rules.json"):
            assert z.read("prebake/data/" + name) == (ROOT / "internal" / "apprules" / name).read_bytes(), name


def test_worker_memory_within_20_mb(realbake, redis_server) -> None:
    """Issue 30's budget, measured as `make bench` does (cache_rss.py): a
    worker with PrebakeCache ends a session at most 20 MB above one without,
    and leaves nothing in Redis, with pyarrow hidden as in the app's requirements."""
    from cache_rss import measure

    r = measure(str(realbake / "manifest.json"), str(realbake / "out"), redis_server.url)
    assert r["prebake_keys_in_redis"] == 0
    assert r["prebake"]["pyarrow_imported"] is False and r["plain"]["pyarrow_imported"] is False
    assert r["extra_mb"] <= 20, r


def test_contract_counts(realbake, bake_files) -> None:
    """docs/app-contract.md's table of what the backend cannot give exactly,
    recomputed on the real register."""
    import collections
    import glob
    import re

    doc = (ROOT / "docs" / "app-contract.md").read_text(encoding="utf-8")
    section = doc.split("## What the cache backend cannot give exactly", 1)[1].split("\n## ", 1)[0]
    table = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| `([a-z-]+)` \|.*\| (\d+) \|[^|]*\|$", section, re.M)}

    first: dict[int, dict] = {}
    for p in sorted(glob.glob(str(shared_path("data/register") / "components_*.json"))):
        with open(p, encoding="utf-8") as f:
            for rows in json.load(f).values():
                for r in rows:
                    first.setdefault(r["_id"], r)
    comps = register_components(shared_path("data/register"))
    long_only: dict[tuple, bool] = {}
    for c, r in zip(comps, first.values()):
        key = (c["cmu_id"], c["company_name"], c["delivery_year"], c["auction_name"])
        long_only[key] = long_only.get(key, True) and len(r.get("Location and Post Code") or "") > 255

    def ties(rows):
        n = collections.Counter(r["total_capacity"] for r in rows)
        return sum(k for k in n.values() if k > 1)

    fo = bake_files("locations/filter_options.json")
    located = {r["company_name"]: r["location_count"] for r in bake_files("locations/company_list.json")}
    companies = fo["companies"]
    assert companies == sorted(companies, key=lambda n: (-located[n], n.encode()))  # byte order within a count
    got = {
        "filter-company-collation": sum(a != b for a, b in zip(companies, sorted(companies, key=lambda n: (-located[n], n.casefold())))),
        "filter-technology-collation": sum(a != b for a, b in zip(fo["technologies"], sorted(fo["technologies"], key=str.casefold))),
        "frame-long-locations": sum(long_only.values()),
        "company-capacity-ties": ties(bake_files("locations/company_list.json")),
        "technology-capacity-ties": ties([r for r in bake_files("locations/technology_list.json") if not r.get("grouped")]),
    }
    assert table == got


def test_damaged_bake_file_passes_through(django_project, realbake, redis_server, tmp_path, caplog) -> None:
    """A file of the bake that cannot be read (here cmu/cmus.json truncated)
    fails no request: that key's get and set go to Redis, and it is logged;
    the other keys are still answered from the bake."""
    from django.core.cache import caches
    from django.test import override_settings

    from prebake.django import cache as pc
    from prebake.django import load_manifest

    out = tmp_path / "out"
    shutil.copytree(realbake / "out", out, symlinks=True)
    m = json.loads((realbake / "manifest.json").read_text())
    cmus = out / m["assets"]["cmu/cmus.json"]["path"]
    cmus.chmod(0o644)
    cmus.write_bytes(cmus.read_bytes()[:1000])
    pc._stores.clear()
    redis_server.client.flushall()
    conf = {"BACKEND": "prebake.django.cache.PrebakeCache", "PREBAKE_WRAPPED_BACKEND": WRAPPED["django-redis"], "LOCATION": redis_server.url}
    with override_settings(CACHES={"default": conf}, PREBAKE_MANIFEST=str(realbake / "manifest.json"), PREBAKE_OUT_DIR=str(out)):
        load_manifest()
        c = caches["default"]
        assert c.get("cmu_dataframe_v1") is None
        assert "cannot build 'cmu_dataframe_v1'" in caplog.text
        c.set("cmu_dataframe_v1", "the app's frame")
        assert c.get("cmu_dataframe_v1") == "the app's frame"
        assert isinstance(c.get("cmu_to_company_mapping"), dict)
        assert family_bodies(redis_server.keys()) == ["cmu_dataframe_v1"]
        c.close()
    load_manifest()
    pc._stores.clear()
    pc._unbuildable.clear()


def test_equal_answers_share_one_built_value(backend) -> None:
    """Request values the app treats alike (an unknown sort_by is capacity)
    share one memo entry, so arbitrary query strings cannot fill the memo."""
    a = backend.get("company_list_capacity_desc")
    n = len(backend._bake)
    for junk in ("bogus", "x" * 300, "Capacity", "-1"):
        assert backend.get(f"company_list_{junk}_desc") == a
    assert len(backend._bake) == n
    assert backend.get("company_list_capacity_asc") != a and len(backend._bake) == n + 1
