"""prebake.django.urls through Django's test client on the real register: every
body field by field against the app's answer restated here from
../shared/docs/app-integration.md and the app's code (daveyboyc/cm-search:
checker/views.py map_data_api and component_map_detail_api,
checker/views_search_geojson.py), computed from the raw register rows in
../shared/data/register with the bake's positions (cmu/components.parquet; the
geocoding is tested elsewhere) and the location groups as conformance/appcontract.py
restates them. Plus hostile query strings (a seeded fuzzer): a 400 or the app's
answer, never a 500.

The bake is the test run's shared real bake (internal/testkit/realbake: $PREBAKE_REALBAKE
or `go run ./internal/testkit/realbake/cmd/realbake`)."""

from __future__ import annotations

import fcntl
import glob
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from conftest import ROOT, missing, shared_path

sys.path.insert(0, str(ROOT / "conformance"))
import appcontract as app  # noqa: E402  (the groups and categories restated from app-integration.md)

RESIDENTIAL = ("AXLE ENERGY LIMITED", "OCTOPUS ENERGY LIMITED")
_held = []


# --- fixtures ------------------------------------------------------------------


@pytest.fixture(scope="module")
def realbake() -> Path:
    d = os.environ.get("PREBAKE_REALBAKE")
    if not d:
        shared_path("data/register")
        go = shutil.which("go") or ("/usr/local/go/bin/go" if os.path.exists("/usr/local/go/bin/go") else None)
        if go is None:
            missing("go is not installed: it bakes the real register")
        p = subprocess.run([go, "run", "./internal/testkit/realbake/cmd/realbake"], cwd=ROOT, capture_output=True, text=True)
        assert p.returncode == 0, "the shared real bake failed:\n" + p.stderr[-4000:]
        d = p.stdout.strip()
        if not d:
            missing("no shared real bake: " + p.stderr.strip())
    if os.path.exists(d + ".lock"):  # held until pytest exits: no other run removes the bake
        lock = open(d + ".lock", "rb")
        fcntl.flock(lock, fcntl.LOCK_SH)
        _held.append(lock)
    return Path(d)


@pytest.fixture(scope="module")
def client(django_project, realbake):
    """The test project (its URLconf has the app's one added line) serving the real bake."""
    from django.test import Client, override_settings

    from prebake.django import load_manifest

    with override_settings(PREBAKE_MANIFEST=str(realbake / "manifest.json"), PREBAKE_OUT_DIR=str(realbake / "out")):
        assert load_manifest() is not None
        yield Client()
    load_manifest()


@pytest.fixture(scope="module")
def comps(realbake):
    """The register as the app stores it (first row per _id over the sorted
    files; texts trimmed but the location, docs/app-contract.md
    description-trim) with the bake's positions."""
    import pyarrow.parquet as pq

    reg = shared_path("data/register")
    first = {}
    for path in sorted(glob.glob(str(reg / "components_*.json"))):
        with open(path, encoding="utf-8") as f:
            for rows in json.load(f).values():
                for row in rows:
                    first.setdefault(row["_id"], row)
    m = json.loads((realbake / "manifest.json").read_text())
    table = {r["id"]: r for r in pq.read_table(realbake / "out" / m["assets"]["cmu/components.parquet"]["path"]).to_pylist()}
    out = []
    for row in first.values():
        c = app.Component(row)
        c.location = row.get("Location and Post Code")  # None when null: the app's null
        c.description = c.description or None  # the register has nulls, never empty texts
        r = table[c.id]
        if r["located"]:
            c.lat, c.lng = r["lat"], r["lng"]
        out.append(c)
    out.sort(key=app.newest_first_key)  # the app's Component order: delivery_year DESC (ties: register id)
    return out


@pytest.fixture(scope="module")
def groups(comps):
    """{location text: group} by the app's build_location_groups rules (every group, located or not)."""
    shaped = []
    for c in comps:
        d = app.Component.__new__(app.Component)
        for k in app.Component.__slots__:
            setattr(d, k, getattr(c, k))
        d.location = c.location or ""
        shaped.append(d)
    return app.location_groups(shaped)


# --- the app's /api/map-data/, restated ------------------------------------------


def last(params, k, default=None):
    """QueryDict.get: the last value of k."""
    vs = [v for kk, v in params if kk == k]
    return vs[-1] if vs else default


def simplified_request(tech):
    """get_simplified_technology as the app applies it to a request value (substring keywords)."""
    return app.simplified_substring(tech)


def contains(hay, term):
    return hay is not None and term.upper() in hay.upper()


def expected_map_data(params, comps, groups, fix=False):
    """The app's body; with fix=True, with its bugs fixed as PREBAKE_VIEWS_FIX_QUIRKS
    documents (technology All or none: no filter; OCGT: Gas; EV Charging: the
    location pseudo-technology; a malformed year: ignored, the period kept)."""
    has = {k for k, _ in params}
    company = last(params, "company", "")
    q_early = last(params, "q", "") or last(params, "search_query", "")
    if "technology" not in has and not company and not q_early:
        return {"type": "FeatureCollection", "features": [], "metadata": {"count": 0, "total": 0, "filtered": False}}
    detail = last(params, "detail_level", "minimal")
    search = last(params, "q") or last(params, "search_query")
    year = last(params, "year")
    tech = last(params, "technology")
    exact = last(params, "exact_technology")
    period = last(params, "cm_period", "future")
    active = {t for t, g in groups.items() if g["active"]}
    inactive = {t for t, g in groups.items() if not g["active"]}
    classes = {c.technology for c in comps if c.technology}
    rows = comps
    if search:
        for term in search.split():
            rows = [c for c in rows if any(contains(v, term) for v in (c.cmu_id, c.company, c.location, c.description, c.technology or None))]
    else:
        rows = [c for c in rows if c.lat is not None]
    rows = [c for c in rows if c.company == company] if company else [c for c in rows if c.company not in RESIDENTIAL]
    if year and year.isdigit() and len(year) == 4:
        rows = [c for c in rows if str(c.year) == year]
    elif year and not fix:
        pass
    elif period == "historical":
        rows = [c for c in rows if c.location in inactive]
    else:
        rows = [c for c in rows if c.location in active]
    viewport = False
    bounds = [last(params, k) for k in ("north", "south", "east", "west")]
    if not search and all(bounds):
        try:
            n, s, e, w = map(float, bounds)
        except ValueError:
            pass
        else:
            if -90 <= s < n <= 90 and -180 <= w <= 180 and -180 <= e <= 180:
                rows = [c for c in rows if s <= c.lat <= n and ((w <= c.lng <= e) if w <= e else (c.lng >= w or c.lng <= e))]
                viewport = True
    if tech == "" or (tech == "All" and company):
        pass
    elif exact:
        rows = [c for c in rows if c.technology == exact]
    elif fix and tech in (None, "All"):
        pass
    elif fix and tech == "EV Charging":
        ev = {t for t, g in groups.items() if "EV Charging" in g["technologies"] and g["position"] is not None}
        rows = [c for c in rows if c.location in ev]
    else:
        target = "Gas" if fix and tech == "OCGT" else simplified_request(tech)
        names = {t for t in classes if simplified_request(t) == target}
        rows = [c for c in rows if c.technology in names]
    total = len(rows)
    try:
        lim = int(last(params, "limit", "250"))
        lim = min(500, lim) if viewport else min(250, lim)
    except ValueError:
        lim = 500 if viewport else 250
    if lim < 0:
        return 400
    at = {}
    for c in rows[:lim]:
        if c.lat is not None:
            at.setdefault((c.lat, c.lng), c)
    feats = []
    for (lat, lng), c in at.items():
        minimal = detail == "minimal"
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lng, lat]}, "properties": {
            "id": c.id, "cmu_id": "" if minimal else c.cmu_id,
            "title": c.location if c.location is not None else "Unknown Location",
            "technology": c.technology or None, "display_technology": app.simplified(c.technology),
            "company": "Unknown" if minimal else c.company, "description": "" if minimal else c.description,
            "delivery_year": "" if minimal else str(c.year), "auction_name": c.auction,
            "detailUrl": app.location_url(c.location) if c.location is not None else app.component_url(c.id)}})
    filtered = any([search, tech != "", company, year, viewport])
    return {"type": "FeatureCollection", "features": feats, "metadata": {"count": len(feats), "total": total, "filtered": filtered}}


UK = {"north": "58.7", "south": "50.0", "east": "1.8", "west": "-8.2"}
LONDON = {"north": "51.7", "south": "51.3", "east": "0.3", "west": "-0.5"}
PAGE_TECHS = ["OCGT", "DSR", "Nuclear", "CHP", "Solar", "Wind", "Battery", "Biomass", "Hydro", "Interconnector", "Coal"]


def page_requests():
    """What /map/ sends (checker/templates/checker/map.html loadMarkers and
    fetchAvailableTechnologies): technology, optional exact_technology,
    detail_level=minimal, optional company, cm_period, the viewport."""
    out = []
    for tech in PAGE_TECHS:
        for period in ("future", "historical"):
            for vp in (UK, LONDON, None):
                p = [("technology", tech), ("detail_level", "minimal"), ("cm_period", period)]
                out.append(p + list(vp.items()) if vp else p)
    for company in ("FLEXITRICITY LIMITED", "OCTOPUS ENERGY LIMITED", "ENEL X UK LIMITED"):
        for tech in ("All", "DSR", "Battery"):
            out.append([("technology", tech), ("cm_period", "future"), ("company", company)])
            out.append([("technology", tech), ("detail_level", "minimal"), ("company", company), ("cm_period", "historical"), *UK.items()])
    out.append([("technology", "Battery"), ("exact_technology", "Storage (Duration 2h)"), ("detail_level", "minimal"), ("cm_period", "future"), *UK.items()])
    return out


def random_requests(rng, n):
    """A broad seeded mix of every parameter the app reads, valid and not."""
    techs = [None, "", "All", "Other", "EV Charging", "Gas", "Wind", "Battery", "DSR", "CHP", "Storage", "wind farm", "OCGT"]
    companies = [None, "", "FLEXITRICITY LIMITED", "OCTOPUS ENERGY LIMITED", "AXLE ENERGY LIMITED", "flexitricity limited", "Nobody Ltd"]
    years = [None, "", "2024", "2020", "2028", "abc", "20245", "２０２４", "2O24"]
    periods = [None, "", "future", "historical", "FUTURE", "past"]
    exacts = [None, "", "Storage (Duration 2h)", "DSR", "Nope"]
    qs = [None, "", "battery", "london road", "cmu", "Storage", "zzzz", "ENGINE  gas", "%", "_"]
    vps = [None, UK, LONDON, {"north": "50", "south": "52", "east": "1", "west": "-1"}, {"north": "nan", "south": "50", "east": "1", "west": "-8"},
           {"north": "58", "south": "50", "east": "-8", "west": "1"}, {"north": "58", "south": "50", "east": "x", "west": "1"},
           {"north": "inf", "south": "-inf", "east": "180", "west": "-180"}, {"north": "", "south": "50", "east": "1", "west": "-1"}]
    limits = [None, "", "0", "1", "10", "249", "400", "600", "abc", "1e3", " 30 ", "+20"]
    details = [None, "minimal", "full", "other"]
    out = []
    for _ in range(n):
        p = []
        for k, choices in (("technology", techs), ("company", companies), ("year", years), ("cm_period", periods),
                           ("exact_technology", exacts), ("limit", limits), ("detail_level", details)):
            v = rng.choice(choices)
            if v is not None:
                p.append((k, v))
        if rng.random() < 0.3:
            v = rng.choice(qs)
            if v is not None:
                p.append((rng.choice(("q", "search_query")), v))
        vp = rng.choice(vps)
        if vp:
            p.extend(vp.items())
        rng.shuffle(p)
        out.append(p)
    return out


def same(got, want, params):
    """Assert equal bodies, naming the first differing feature."""
    if got != want:
        for i, (a, b) in enumerate(zip(got.get("features", []), want.get("features", []))):
            if a != b:
                diff = {k: (a["properties"].get(k), b["properties"].get(k)) for k in b["properties"] if a["properties"].get(k) != b["properties"][k]}
                assert a == b, (params, i, diff, a["geometry"], b["geometry"])
        assert got == want, params


def get(client, path, params):
    return client.get(path + "?" + urlencode(params)) if params else client.get(path)


def test_map_data_page_requests(client, comps, groups) -> None:
    """Every request the /map/ page sends, body for body."""
    checked = nonempty = 0
    for params in page_requests():
        r = get(client, "/api/map-data/", params)
        assert r.status_code == 200, params
        assert r["Content-Type"] == "application/json"
        want = expected_map_data(params, comps, groups)
        assert json.loads(r.content) == want, params
        checked += 1
        nonempty += bool(want["features"])
    assert checked > 70 and nonempty > 40


def test_map_data_broad(client, comps, groups) -> None:
    """A seeded mix of every parameter (valid, malformed, repeated), body for body."""
    rng = random.Random(30)
    kinds = set()
    for params in random_requests(rng, 250):
        want = expected_map_data(params, comps, groups)
        r = get(client, "/api/map-data/", params)
        if want == 400:
            assert r.status_code == 400 and "error" in r.json(), params
            kinds.add("400")
            continue
        assert r.status_code == 200, params
        same(json.loads(r.content), want, params)
        kinds.add("features" if want["features"] else "empty")
    assert kinds == {"features", "empty"} or kinds == {"features", "empty", "400"}


def test_map_data_representative_and_cap(client, comps, groups) -> None:
    """One feature per exact position, the newest component there (among the
    first `limit` rows) its representative; the caps 250 and, with a viewport,
    500; total counts every match."""
    r = get(client, "/api/map-data/", [("technology", "DSR"), ("cm_period", "future"), ("limit", "100000")])
    body = r.json()
    assert body["metadata"]["total"] > 250
    coords = [tuple(f["geometry"]["coordinates"]) for f in body["features"]]
    assert len(coords) == len(set(coords)) == body["metadata"]["count"] <= 250
    r = get(client, "/api/map-data/", [("technology", "DSR"), ("cm_period", "future"), ("limit", "100000"), *UK.items()])
    body = r.json()
    assert 250 < body["metadata"]["count"] <= 500
    by_id = {c.id: c for c in comps}
    for f in body["features"]:
        c = by_id[f["properties"]["id"]]
        here = [o for o in comps if (o.lat, o.lng) == (c.lat, c.lng) and o.technology == "DSR" and o.company not in RESIDENTIAL
                and o.location in {t for t, g in groups.items() if g["active"]}]
        assert here[0].id == c.id  # comps are in the app's order


def test_map_data_quirks_kept(client, comps, groups) -> None:
    """The app's own answers that are its bugs are kept (docs/app-contract.md,
    Deliberate differences): technology All (no company), Other, EV Charging and
    OCGT match nothing; q without technology matches nothing; a malformed year
    drops both the year and the period filter."""
    for tech in ("All", "Other", "EV Charging", "OCGT"):
        body = get(client, "/api/map-data/", [("technology", tech), ("cm_period", "future")]).json()
        assert body["features"] == [] and body["metadata"]["total"] == 0, tech
    body = get(client, "/api/map-data/", [("q", "battery")]).json()
    assert body["features"] == [] and body["metadata"] == {"count": 0, "total": 0, "filtered": True}
    good = get(client, "/api/map-data/", [("technology", "Battery"), ("year", "2024"), ("limit", "100000")]).json()
    bad = get(client, "/api/map-data/", [("technology", "Battery"), ("year", "24"), ("limit", "100000")]).json()
    none = get(client, "/api/map-data/", [("technology", "Battery"), ("cm_period", "future"), ("limit", "100000")]).json()
    battery = [c for c in comps if c.lat is not None and app.simplified(c.technology) == "Battery" and c.company not in RESIDENTIAL]
    assert good["metadata"]["total"] == sum(1 for c in battery if c.year == 2024)
    assert bad["metadata"]["total"] == len(battery) > none["metadata"]["total"]


def test_map_data_quirks_fixed(client, comps, groups) -> None:
    """PREBAKE_VIEWS_FIX_QUIRKS=True: the same requests answer as the fixed rules say."""
    from django.test import override_settings

    reqs = [[("technology", t), ("cm_period", "future"), ("detail_level", "minimal"), *UK.items()] for t in ("All", "OCGT", "EV Charging", "Other")]
    reqs += [[("q", "battery")], [("q", "london road"), ("cm_period", "historical")], [("technology", "Battery"), ("year", "24")],
             [("technology", "DSR"), ("year", "2O24"), ("cm_period", "historical"), *LONDON.items()]]
    reqs += random_requests(random.Random(34), 80)
    nonempty = set()
    with override_settings(PREBAKE_VIEWS_FIX_QUIRKS=True):
        for params in reqs:
            want = expected_map_data(params, comps, groups, fix=True)
            r = get(client, "/api/map-data/", params)
            if want == 400:
                assert r.status_code == 400
                continue
            same(json.loads(r.content), want, params)
            if want["features"]:
                nonempty.add(last(params, "technology"))
    assert {"All", "OCGT", "EV Charging", None} <= nonempty


# --- the app's /api/component-map-detail/<id>/, restated --------------------------------


def expected_popup(c, comps_located):
    url = app.location_url(c.location) if c.location is not None else app.component_url(c.id)
    if c.lat is not None:
        near = [o for o in comps_located if c.lat - 0.0001 <= o.lat <= c.lat + 0.0001 and c.lng - 0.0001 <= o.lng <= c.lng + 0.0001]
        items = [{"id": o.id, "delivery_year": str(o.year), "auction_name": o.auction or "", "cmu_id": o.cmu_id or "Unknown",
                  "derated_capacity_mw": str(o.mw or "N/A"), "detailUrl": url} for o in near]
    else:  # the app's own entry for a component without coordinates (no auction_name)
        items = [{"id": c.id, "delivery_year": str(c.year), "cmu_id": c.cmu_id or "Unknown",
                  "derated_capacity_mw": str(c.mw or "N/A"), "detailUrl": url}]
    company = c.company or "Unknown"
    return {"success": True, "data": {
        "id": c.id, "title": c.location or "Unknown Location", "technology": c.technology or "Unknown",
        "display_technology": app.simplified(c.technology), "company": company,
        "company_id": app.normalize(company) if company != "Unknown" else None, "description": c.description or "",
        "delivery_year": str(c.year), "auction_name": c.auction or "", "cmu_id": c.cmu_id or "", "detailUrl": url,
        "components_at_location": items, "has_multiple_years": len(items) > 1}}


def test_popups(client, comps) -> None:
    """Popups of a seeded sample of components (located or not, with and
    without location text) and of every marker of a page request, body for
    body and in the app's key order; 404 for ids not in the register."""
    located = [c for c in comps if c.lat is not None]  # in the app's order: delivery_year DESC
    rng = random.Random(31)
    sample = rng.sample(comps, 400) + [c for c in comps if c.location is None][:20] + [c for c in comps if c.lat is None][:20]
    marker_ids = [f["properties"]["id"] for f in get(client, "/api/map-data/", [("technology", "DSR"), ("cm_period", "future")]).json()["features"]]
    by_id = {c.id: c for c in comps}
    sample += [by_id[i] for i in marker_ids[:60]]
    for c in sample:
        r = client.get(f"/api/component-map-detail/{c.id}/")
        assert r.status_code == 200
        want = expected_popup(c, located)
        got = json.loads(r.content)
        if got != want:
            gd, wd = got["data"], want["data"]
            diff = {k: (gd.get(k), wd.get(k)) for k in wd if gd.get(k) != wd[k] and k != "components_at_location"}
            ga, wa = gd["components_at_location"], wd["components_at_location"]
            diff["list"] = [(a, b) for a, b in zip(ga, wa) if a != b][:3] + ([len(ga), len(wa)] if len(ga) != len(wa) else [])
            print("DIFF", c.id, diff, file=sys.stderr)
            assert got == want, (c.id, diff)
        assert list(got["data"]) == list(want["data"])
        assert [list(i) for i in got["data"]["components_at_location"]] == [list(i) for i in want["data"]["components_at_location"]]
    known = {c.id for c in comps}
    absent = [i for i in range(1, 2000) if i not in known][:3]
    assert absent
    for bad in ("0", *map(str, absent), str(max(known) + 1), "999999999", "9" * 30):
        r = client.get(f"/api/component-map-detail/{bad}/")
        assert r.status_code == 404 and r.json() == {"success": False, "error": "Component not found"}
    assert client.get("/api/component-map-detail/-5/").status_code == 404  # the app's <int:> does not match
    assert client.get("/api/component-map-detail/" + "9" * 5000 + "/").status_code == 404


# --- the app's /api/search-geojson/, restated ----------------------------------------------

TECH_VARIATIONS = {  # checker/views_search_geojson.py tech_variations
    "CHP": ["CHP", "Combined Heat and Power (CHP)", "CHP and autogeneration"],
    "DSR": ["DSR", "Demand Side Response"],
    "EV Charging": ["EV Charging"],
    "Battery": ["Battery", "Battery Storage", "Battery storage", "Storage"] + [f"Storage (Duration {d}h)" for d in (
        "0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5", "5.5", "6", "7", "8", "8.5", "9", "9.5", "12")],
    "OCGT": ["Gas", "Gas - OCGTs and reciprocating engines", "Gas reciprocating engines", "OCGT", "Combined Cycle Gas Turbine (CCGT)",
             "Open Cycle Gas Turbine (OCGT)", "OCGT and Reciprocating Engines", "OCGT and Reciprocating Engines (Fuel Type - Diesel)",
             "OCGT and Reciprocating Engines (Fuel Type - Gas)", "Reciprocating engines"],
    "Wind": ["Wind", "Onshore Wind", "Offshore Wind"], "Solar": ["Solar", "Solar Photovoltaic"], "Nuclear": ["Nuclear"],
    "Hydro": ["Hydro", "Hydro Power", "Pumped Storage Hydro"], "Biomass": ["Biomass", "Energy from Waste", "Coal/biomass"],
    "Interconnector": ["Interconnector", "Interconnection", "BritNED (Netherlands)", "Eleclink (France)", "EWIC (Ireland)",
                       "EWIC (Republic of Ireland)", "Greenlink (Republic of Ireland)", "IFA2 (France)", "IFA (France)",
                       "Moyle (Northern Ireland)", "NEMO (Belgium)", "NeuConnect (Germany)", "NSL (Norway)", "VikingLink (Denmark)"],
    "Coal": ["Coal"],
}


def round6(v):
    """The bake's group positions: rounded to 6 decimals, halves away from zero
    (internal/generators/locations round6, Go's math.Round)."""
    x = v * 1e6
    t = math.trunc(x)
    if abs(x - t) >= 0.5:
        t += math.copysign(1, x)
    return t / 1e6


def jsonb_keys(d):
    """A PostgreSQL jsonb object's key order: by UTF-8 length, then bytes."""
    return sorted(d, key=lambda k: (len(k.encode()), k.encode()))


def expected_geojson(params, comps, groups):
    """The app's body, but processing_time (a clock reading)."""
    q = last(params, "q", "")
    tech = last(params, "tech", "")
    sub = last(params, "subtype", "")
    company = last(params, "company", "")
    has_show = any(k == "show_active" for k, _ in params)
    show = None if not has_show else last(params, "show_active", "true").lower() == "true"
    try:
        limit = int(last(params, "limit", 200))
        zoom = int(last(params, "zoom", 0))
    except ValueError:
        return 400
    bounds = [last(params, k) for k in ("north", "south", "east", "west")]
    newest = {}
    for c in comps:  # the app's order: the first year seen is a text's newest
        if c.location is not None:
            newest.setdefault(c.location, str(c.year))
    gs = [dict(g, position=[round6(v) for v in g["position"]]) for g in groups.values() if g["position"] is not None]
    viewport = False
    if all(bounds):
        try:
            n, s, e, w = map(float, bounds)
        except ValueError:
            pass
        else:
            def ge(x, v):
                return False if math.isnan(v) else x >= v

            def le(x, v):
                return True if math.isnan(v) else x <= v
            gs = [g for g in gs if ge(g["position"][1], s) and le(g["position"][1], n) and ge(g["position"][0], w) and le(g["position"][0], e)]
            viewport = True
    if show is not None:
        gs = [g for g in gs if g["active"] == show]
    if q:
        if q.upper().startswith(("CMU", "BMU", "DSR")):
            gs = [g for g in gs if q.upper() in g["cmu_ids"]]
        else:
            for term in q.split():
                gs = [g for g in gs if term.upper() in g["title"].upper()
                      or term.upper() in json.dumps(g["descriptions"], ensure_ascii=False).upper()]
    if tech and tech != "All":
        keys = TECH_VARIATIONS.get(tech, [tech])
        gs = [g for g in gs if any(k in g["technologies"] for k in keys)]
    if tech == "DSR" and sub:
        if sub == "Octopus":
            gs = [g for g in gs if "OCTOPUS ENERGY LIMITED" in g["companies"]]
        elif sub == "Axle":
            gs = [g for g in gs if "AXLE ENERGY LIMITED" in g["companies"]]
        elif sub == "Everything else":
            gs = [g for g in gs if not any(k in g["companies"] for k in RESIDENTIAL)]
    res = last(params, "residential", "")
    if res:
        gs = [g for g in gs if res in g["companies"]]
    elif not company and not (tech == "DSR" and sub):
        gs = [g for g in gs if not any(k in g["companies"] for k in RESIDENTIAL)]
    if company:
        if company == "Everything else":
            seen = {}
            for g in groups.values():  # every group, located or not
                for k in g["companies"]:
                    seen[k] = seen.get(k, 0) + 1
            big = {k for k, v in seen.items() if k and v > 7}
            gs = [g for g in gs if not any(k in big for k in g["companies"])]
        else:
            variants = {company, company.upper(), company.lower(), company.title()}
            gs = [g for g in gs if any(k in g["companies"] for k in variants)]
    oa = (company in RESIDENTIAL or (tech == "DSR" and sub in ("Octopus", "Axle")) or (tech == "EV Charging" and sub in ("Octopus", "Axle")))
    total = -1 if oa else len(gs)
    if oa:
        limit = min(limit, 200 if viewport else 100)
    if limit < 0:
        return 400
    if zoom > 10:
        gs.sort(key=lambda g: (-g["mw"], g["title"]))
    else:
        gs.sort(key=lambda g: g["title"])
        gs.sort(key=lambda g: newest[g["title"]], reverse=True)
    feats = []
    for g in gs[:limit]:
        keys = jsonb_keys(g["technologies"])
        if tech and tech != "All":
            dom = tech
            for k in keys:
                if k == tech or (tech == "OCGT" and "Open Cycle Gas Turbine (OCGT)" in k) or (tech == "Battery" and "Storage (Duration" in k):
                    dom = k
                    break
        else:
            dom = min(keys, key=lambda k: app.PRIORITY.get(k, 999)) if keys else "Unknown"
        ckeys = jsonb_keys(g["companies"])
        co = company if company and company != "Everything else" else (max(ckeys, key=lambda k: g["companies"][k]) if ckeys else "Unknown")
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": g["position"]}, "properties": {
            "id": hashlib.sha256(g["title"].encode()).hexdigest()[:12], "title": g["title"], "tech": dom, "company": co,
            "desc": g["desc"], "cmu": g["cmu"], "url": g["url"], "count": g["count"], "active": g["active"], "mw": g["mw"] or 0}})
    return {"type": "FeatureCollection", "features": feats, "metadata": {
        "count": len(feats), "total": total if total != -1 else len(feats), "geocoded_count": len(feats), "non_geocoded_count": 0,
        "query": q or tech, "technology_filter": tech, "grouped_by_location": True, "using_location_groups": True,
        "display_note": "Showing aggregated location data" + (" (limited for performance)" if oa else ""), "max_results": limit,
        "viewport": {"has_bounds": bool(all(bounds)), "zoom_level": zoom, "showing_sample": total == -1 or total > len(feats)}}}


def check_geojson(client, params, comps, groups):
    want = expected_geojson(params, comps, groups)
    r = get(client, "/api/search-geojson/", params)
    if want == 400:
        assert r.status_code == 400 and "error" in r.json(), params
        return None
    assert r.status_code == 200, params
    got = json.loads(r.content)
    assert got["metadata"].pop("processing_time").endswith("s")
    assert got == want, params
    return want


GEO_TECHS = ["CHP", "DSR", "EV Charging", "Battery", "OCGT", "Wind", "Solar", "Nuclear", "Hydro", "Biomass", "Interconnector", "Coal"]


def geojson_page_requests():
    """What the map explorer (map_explorer.html: limit=200, q, tech, company,
    subtype, show_active, the viewport and zoom) and the search map
    (map_search_results.html: tech or q, show_active) send."""
    out = []
    for tech in ["", *GEO_TECHS]:
        for show in ("true", "false", None):
            p = [("limit", "200"), ("q", "")]
            if tech:
                p.append(("tech", tech))
            if show:
                p.append(("show_active", show))
            out.append(p)
            out.append(p + [("north", "51.7"), ("south", "51.3"), ("east", "0.3"), ("west", "-0.5"), ("zoom", "12")])
            out.append(p + [("north", "58.7"), ("south", "50"), ("east", "1.8"), ("west", "-8.2"), ("zoom", "6")])
    for sub in ("Octopus", "Axle", "Everything else"):
        out.append([("limit", "200"), ("q", ""), ("tech", "DSR"), ("subtype", sub)])
        out.append([("limit", "200"), ("q", ""), ("tech", "EV Charging"), ("subtype", sub), ("show_active", "true")])
    for co in ("FLEXITRICITY LIMITED", "flexitricity limited", "Everything else", "OCTOPUS ENERGY LIMITED", "Nobody"):
        out.append([("limit", "200"), ("q", ""), ("company", co)])
        out.append([("limit", "200"), ("q", ""), ("company", co), ("north", "58.7"), ("south", "50"), ("east", "1.8"), ("west", "-8.2"), ("zoom", "8")])
    for q in ("london", "battery storage", "CMU", "DSR", "AB1", "farm road", "\"", ", \"", "zzz"):
        out.append([("limit", "200"), ("q", q)])
        out.append([("q", q), ("show_active", "true")])
    return out


def test_search_geojson_page_requests(client, comps, groups) -> None:
    """Every kind of request the two pages send, body for body (properties
    that follow the filters, the Octopus/Axle caps, the sorts)."""
    nonempty = 0
    for params in geojson_page_requests():
        want = check_geojson(client, params, comps, groups)
        nonempty += bool(want and want["features"])
    assert nonempty > 60


def test_search_geojson_broad(client, comps, groups) -> None:
    rng = random.Random(32)
    vals = {
        "q": [None, "", "london", "road", "CMU", "bmu", "storage 2h", "%", "x_y"],
        "tech": [None, "", "All", *GEO_TECHS, "Storage (Duration 2h)", "Steam"],
        "subtype": [None, "", "Octopus", "Axle", "Everything else", "other"],
        "company": [None, "", "FLEXITRICITY LIMITED", "Flexitricity Limited", "Everything else", "AXLE ENERGY LIMITED"],
        "residential": [None, "", "OCTOPUS ENERGY LIMITED", "AXLE ENERGY LIMITED"],
        "show_active": [None, "", "true", "TRUE", "false", "all"],
        "limit": [None, "0", "5", "200", "1000", "50000", "-1", "x", ""],
        "zoom": [None, "0", "10", "11", "15", "-3", "z"],
    }
    vps = [None, LONDON, UK, {"north": "nan", "south": "50", "east": "1", "west": "-8"}, {"north": "50", "south": "52", "east": "1", "west": "-1"},
           {"north": "58", "south": "50", "east": "y", "west": "-1"}, {"north": "inf", "south": "-inf", "east": "inf", "west": "-inf"}]
    kinds = set()
    for _ in range(220):
        p = []
        for k, choices in vals.items():
            v = rng.choice(choices)
            if v is not None:
                p.append((k, v))
        vp = rng.choice(vps)
        if vp:
            p.extend(vp.items())
        rng.shuffle(p)
        want = check_geojson(client, p, comps, groups)
        kinds.add("400" if want is None else "features" if want["features"] else "empty")
    assert kinds == {"400", "features", "empty"}


def test_search_geojson_caps(client, comps, groups) -> None:
    """limit defaults to 200; Octopus/Axle queries are capped at 100 without a
    viewport and 200 with one, and report their feature count as total."""
    body = get(client, "/api/search-geojson/", [("tech", "DSR")]).json()
    assert body["metadata"]["max_results"] == 200 and body["metadata"]["count"] == 200 < body["metadata"]["total"]
    axle = [g for g in groups.values() if "AXLE ENERGY LIMITED" in g["companies"] and g["position"]]
    assert len(axle) > 200  # the caps below bite
    for params, cap in (([("company", "AXLE ENERGY LIMITED"), ("limit", "1000")], 100),
                        ([("tech", "DSR"), ("subtype", "Axle"), ("limit", "1000")], 100),
                        ([("tech", "DSR"), ("subtype", "Axle"), ("limit", "1000"), *UK.items()], 200),
                        ([("company", "AXLE ENERGY LIMITED"), ("limit", "50"), *UK.items()], 50)):
        body = get(client, "/api/search-geojson/", params).json()
        assert body["metadata"]["max_results"] == cap == body["metadata"]["count"] == body["metadata"]["total"], params
        assert body["metadata"]["display_note"].endswith("(limited for performance)")
        assert body["metadata"]["viewport"]["showing_sample"] is True


# --- hostile input ----------------------------------------------------------------------------


def hostile_values(rng):
    pool = ["", "-1", "-999999999999", "1" * 5000, "9" * 4400, "nan", "NaN", "inf", "-inf", "1e309", "0x10", "\x00", "a\x00b",
            "\ufffd\ufffd", "é" * 300, "🙂", " ", "\t\n", "%", "_", "\\", "'", "\"", "'; DROP TABLE x; --", "[]", "{}",
            "Storage (Duration 2h)", "Everything else", "OCTOPUS ENERGY LIMITED", "CMU", "DSR", "All", "9" * 40, "-0", "1_000",
            "٢٠٢٤", "２５０", "x" * 1001]
    v = rng.choice(pool)
    if rng.random() < 0.2:
        v = "".join(rng.choice("ab \x00é%_-0123456789.") for _ in range(rng.randint(1, 40)))
    return v


def test_fuzz_never_500(client) -> None:
    """Seeded hostile query strings on all three endpoints: every answer is 200
    or 400 (404 for popups) with a JSON body, never a 500; raw non-UTF-8 bytes,
    repeated and unknown parameters included."""
    rng = random.Random(33)
    keys = ["technology", "exact_technology", "company", "year", "cm_period", "q", "search_query", "north", "south", "east",
            "west", "limit", "detail_level", "tech", "subtype", "residential", "show_active", "zoom", "unknown", "page"]
    seen = set()
    for i in range(600):
        params = [(rng.choice(keys), hostile_values(rng)) for _ in range(rng.randint(0, 9))]
        path = rng.choice(["/api/map-data/", "/api/search-geojson/"])
        qs = urlencode(params)
        if i % 10 == 0:
            qs += "&q=%ff%fe&company=%c3%28&tech=%80"  # not UTF-8: Django decodes with replacement characters
        r = client.get(path + "?" + qs)
        assert r.status_code in (200, 400), (path, qs[:300])
        body = json.loads(r.content)
        if r.status_code == 400:
            assert set(body) == {"error"}
        seen.add(r.status_code)
    assert seen == {200, 400}
    for cid in ["0", "18446744073709551616", "1" * 200]:
        assert client.get(f"/api/component-map-detail/{cid}/").status_code == 404


def test_bounded_work(client) -> None:
    """The biggest answers stay bounded: map-data caps markers at 500 whatever
    the limit; search-geojson returns at most every located group; a q of many
    words is refused, not scanned word by word."""
    body = get(client, "/api/map-data/", [("technology", "DSR"), ("limit", "9" * 4000), *UK.items()]).json()
    assert 250 < body["metadata"]["count"] <= 500
    body = get(client, "/api/map-data/", [("technology", "DSR"), ("limit", "9" * 5000), *UK.items()]).json()
    assert 250 < body["metadata"]["count"] <= 500  # int() refuses over 4300 digits: the app's fallback of 500
    body = get(client, "/api/search-geojson/", [("limit", "9" * 4000), ("tech", "All")]).json()
    assert body["metadata"]["count"] == body["metadata"]["total"]
    r = get(client, "/api/search-geojson/", [("q", " ".join(f"w{i}" for i in range(100)))])
    assert r.status_code == 400 and "distinct words" in r.json()["error"]
    r = get(client, "/api/map-data/", [("technology", "DSR"), ("q", "a" * 1001)])
    assert r.status_code == 400 and "characters" in r.json()["error"]
    r = get(client, "/api/search-geojson/", [("company", "x" * 20001)])
    assert r.status_code == 400 and "characters" in r.json()["error"]


# --- the synthetic sample: loading, decorators, HTTP behaviour ----------------------------------


@pytest.fixture(scope="module")
def sample_bake(prebake_bin, tmp_path_factory) -> Path:
    """A bake of prebake's synthetic register (2,000 components): no real data needed."""
    d = tmp_path_factory.mktemp("sample")
    subprocess.run([str(prebake_bin), "sample", "--out", str(d / "in"), "--components", "2000"], check=True, capture_output=True)
    subprocess.run([str(prebake_bin), "build", "--quiet", "--source", str(d / "in" / "synthetic_*.json"),
                    "--postcodes", str(d / "in" / "synthetic_postcodes.csv"), "--out", str(d / "out"),
                    "--manifest", str(d / "manifest.json")], check=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"})
    return d


@pytest.fixture
def sample_client(django_project, sample_bake):
    from django.test import Client, override_settings

    from prebake.django import load_manifest

    with override_settings(PREBAKE_MANIFEST=str(sample_bake / "manifest.json"), PREBAKE_OUT_DIR=str(sample_bake / "out")):
        m = load_manifest()
        assert m is not None and m.synthetic
        yield Client(), m
    load_manifest()


def test_loaded_lazily_per_build(sample_client) -> None:
    """Nothing is read at start-up: each file on the first request that needs
    it, and again for a manifest of another build."""
    from prebake.django import views_data as vd

    c, m = sample_client
    assert vd.loaded().get(vd.MAP_DATA_ASSET) != m.build_id and vd.loaded().get(vd.SEARCH_ASSET) != m.build_id
    body = c.get("/api/map-data/?technology=DSR&cm_period=future&detail_level=minimal").json()
    assert body["features"] and body["metadata"]["total"] >= body["metadata"]["count"]
    assert vd.loaded().get(vd.MAP_DATA_ASSET) == m.build_id and vd.loaded().get(vd.SEARCH_ASSET) != m.build_id
    first = body["features"][0]["properties"]["id"]
    assert c.get(f"/api/component-map-detail/{first}/").json()["data"]["id"] == first
    assert c.get("/api/search-geojson/?limit=200").json()["features"]
    assert vd.loaded() == {vd.MAP_DATA_ASSET: m.build_id, vd.SEARCH_ASSET: m.build_id}


def test_http_behaviour(sample_client) -> None:
    """As the app's views: gzip when accepted, the popup answers GET only."""
    c, _ = sample_client
    r = c.get("/api/search-geojson/?limit=200", HTTP_ACCEPT_ENCODING="gzip")
    assert r.status_code == 200 and r["Content-Encoding"] == "gzip"
    r = c.get("/api/map-data/?technology=DSR", HTTP_ACCEPT_ENCODING="gzip")
    assert r["Content-Encoding"] == "gzip" and r["Content-Type"] == "application/json"
    first = c.get("/api/map-data/?technology=DSR").json()["features"][0]["properties"]["id"]
    assert c.post(f"/api/component-map-detail/{first}/").status_code == 405
    assert c.post("/api/map-data/?technology=DSR").status_code == 200  # the app's map view takes any method


def test_views_decorators(sample_client) -> None:
    """PREBAKE_VIEWS_DECORATORS wraps all three views (the app's access check)."""
    import importlib

    from django.test import override_settings
    from django.urls import clear_url_caches

    import prebake.django.urls as pu

    c, _ = sample_client
    paths = ["/api/map-data/?technology=DSR", "/api/search-geojson/?limit=5", "/api/component-map-detail/1/"]
    try:
        with override_settings(PREBAKE_VIEWS_DECORATORS=["checker.views.access_required"]):
            importlib.reload(pu)
            importlib.reload(sys.modules["djproject.urls"])  # its include() holds the old patterns
            clear_url_caches()
            for p in paths:
                sep = "&" if "?" in p else "?"
                r = c.get(p + sep + "trial=expired")
                assert r.status_code == 302 and r["Location"] == "/accounts/payment-required/", p
            assert c.get(paths[0]).status_code == 200
    finally:
        importlib.reload(pu)
        importlib.reload(sys.modules["djproject.urls"])
        clear_url_caches()
    assert c.get(paths[0] + "&trial=expired").status_code == 200


def test_memory_of_loaded_files(client) -> None:
    """What the views keep of the real bake once loaded: under 8 MB of Python
    objects (5.3 MB measured: the texts and numpy columns; no per-component
    objects)."""
    import gc
    import tracemalloc

    from prebake.django import get_manifest
    from prebake.django import views_data as vd

    m = get_manifest()
    vd._cache.clear()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        vd.map_data(m)
        vd.groups(m)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert kept < 8e6, f"{kept / 1e6:.1f} MB"


# --- docs/app-contract.md, "Deliberate differences of the views": every count recomputed ----------


def views_differences(client, comps, groups) -> dict[str, int]:
    located = [c for c in comps if c.lat is not None]
    at = {}
    for c in located:  # comps are newest first
        at.setdefault((c.lat, c.lng), []).append(c)
    placed = {t: g for t, g in groups.items() if g["position"] is not None}
    newest = {}
    for c in comps:
        if c.location is not None:
            newest.setdefault(c.location, c.year)
    per_year = {}
    for t in placed:
        per_year[newest[t]] = per_year.get(newest[t], 0) + 1
    mws = {}
    for g in placed.values():
        mws[g["mw"]] = mws.get(g["mw"], 0) + 1
    active = {t for t, g in groups.items() if g["active"]}

    def total(params, fix=False):
        return expected_map_data(params, comps, groups, fix=fix)["metadata"]["total"]

    def noisy(g):
        s = 0.0
        for c in g["members"]:
            s += c.mw or 0.0
        return s != round(s, 3)

    def moved(g):
        ms = [c for c in g["members"] if c.lat is not None]
        newest_located = min(ms, key=app.newest_first_key)
        return (ms[0].lat, ms[0].lng) != (newest_located.lat, newest_located.lng)

    return {
        "group-position": sum(moved(g) for g in placed.values()),
        "long-location-text": sum(c.location is not None and len(c.location) > 255 for c in comps),
        "register-ids": len(comps),
        "group-ids-urls": len(placed),
        "no-location-text": sum(c.location is None for c in comps),
        "no-location-text-located": sum(c.location is None and c.lat is not None for c in comps),
        "year-ties": sum(len(v) > 1 and v[0].year == v[1].year for v in at.values()),
        "group-order": sum(n for n in per_year.values() if n > 1),
        "capacity-ties": sum(n for n in mws.values() if n > 1),
        "mw-rounding": sum(noisy(g) for g in placed.values()),
        "ocgt": total([("technology", "OCGT"), ("cm_period", "future")], fix=True),
        "all-without-company": total([("technology", "All"), ("cm_period", "future")], fix=True),
        "ev-charging": total([("technology", "EV Charging"), ("cm_period", "future")], fix=True),
        "q-without-technology": total([("q", "battery")], fix=True),
        "malformed-year": total([("technology", "Battery"), ("year", "24")]),
        "malformed-year-fixed": total([("technology", "Battery"), ("year", "24")], fix=True),
        "outcode-sw11": sum(1 for c in comps if c.location and " SW11 " in f" {c.location.upper().replace(',', ' ')} "),
        "future-active": sum(1 for c in located if c.location in active),
    }


def test_views_difference_counts(client, comps, groups) -> None:
    """The table in docs/app-contract.md states each count as it is."""
    import re

    got = views_differences(client, comps, groups)
    text = (ROOT / "docs" / "app-contract.md").read_text(encoding="utf-8")
    assert "## Deliberate differences of the views" in text, json.dumps(got)
    section = text[text.index("## Deliberate differences of the views"):]
    section = section[: section.index("\n## ", 3)] if "\n## " in section[3:] else section
    doc = {}
    for m in re.finditer(r"^\| views: ([a-z0-9-]+) \|[^|]*\| ([0-9, ]+|—) \|", section, re.M):
        if m.group(2) != "—":
            doc[m.group(1)] = [int(x) for x in m.group(2).replace(" ", "").split(",")]
    assert doc, "no rows"
    for key, nums in doc.items():
        keys = [key] + [k for k in got if k.startswith(key + "-") and k != key]
        assert [got[k] for k in keys][: len(nums)] == nums, (key, {k: got[k] for k in keys})


def test_older_bake_says_so(sample_client, tmp_path) -> None:
    """A bake without the views' files fails with a message saying what to do."""
    from django.core.exceptions import ImproperlyConfigured

    from prebake import Manifest
    from prebake.django import views_data as vd

    _, m = sample_client
    data = json.loads(json.dumps(m.data))
    del data["assets"][vd.MAP_DATA_ASSET]
    data["build_id"] = "0000000000000000"
    old = Manifest(data, source=str(tmp_path / "manifest.json"), out_dir=m.out_dir)
    with pytest.raises(ImproperlyConfigured, match="has no maptiles/map_data.json.*bake again"):
        vd.map_data(old)
