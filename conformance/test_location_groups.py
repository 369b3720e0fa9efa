"""Location groups (/api/search-geojson/): one per verbatim location text, the
app's LocationGroup attributes and feature properties. The file writes each
value once; the properties it leaves to the client are rebuilt with the Python
package's prebake.group_properties (what the app calls) and compared with the
rules restated in appcontract."""

import prebake
from bakefiles import asset
import appcontract as app

KEYS = ["title", "tech", "company", "desc", "cmu", "url", "count", "active", "mw", "component_count",
        "technologies", "companies", "descriptions", "auction_years", "cmu_ids", "capacity_confidence"]
# LocationGroup attributes that repeat a property of the endpoint.
SAME = {"is_active": "active", "capacity_mw": "mw"}
# What the file writes, each value once (internal/generators/locations/README.md).
WRITTEN = ["id", "title", "count", "active", "mw", "technologies", "companies", "descriptions", "cmu_ids",
           "auctions", "capacity_confidence"]
OPTIONAL = {"descriptions_total", "auction_names_total", "located_count"}


def test_groups_match_the_app(bake, register):
    want = {t: g for t, g in app.location_groups(register).items() if g["position"] is not None}
    fc = asset(bake, "locations/groups/all.geojson")
    feats = {f["properties"]["title"]: f for f in fc["features"]}
    assert set(feats) == set(want)
    assert fc["auction_names"] == sorted(fc["auction_names"], reverse=True)
    bad = []
    for text, g in want.items():
        f = feats[text]
        written = f["properties"]
        if list(written)[:len(WRITTEN)] != WRITTEN or not set(written) - set(WRITTEN) <= OPTIONAL or "id" in f:
            bad.append((text[:40], "written keys", list(written)))
        p = prebake.group_properties(f, fc["auction_names"])
        for k in KEYS:
            if p[k] != g[k]:
                bad.append((text[:40], k, p[k], g[k]))
        for k, same in SAME.items():
            if p[k] != g[same]:
                bad.append((text[:40], k, p[k], g[same]))
        if p["located_count"] != sum(1 for c in g["members"] if c.lat is not None):
            bad.append((text[:40], "located_count", p["located_count"]))
        if p["descriptions_total"] < len(p["descriptions"]) or p["auction_names_total"] < len(p["auction_years"]):
            bad.append((text[:40], "totals", p["descriptions_total"], p["auction_names_total"]))
        if list(p["technologies"]) != g["technologies_order"]:
            bad.append((text[:40], "technologies order", list(p["technologies"]), g["technologies_order"]))
        # Positions are written to 6 decimals (<= 0.11 m).
        got = f["geometry"]["coordinates"]
        if any(abs(a - b) > 5.01e-7 for a, b in zip(got, g["position"])):
            bad.append((text[:40], "position", got, g["position"]))
    assert not bad, "%d differences, first %r" % (len(bad), bad[:5])


def test_each_value_written_once(bake):
    """No property of the file repeats another: the ones the client rebuilds
    are absent, and the optional totals only appear where they add a value."""
    fc = asset(bake, "locations/groups/all.geojson")
    for f in fc["features"]:
        p = f["properties"]
        assert not {"tech", "company", "desc", "cmu", "url", "component_count", "is_active", "capacity_mw",
                    "auction_years", "tech_filters"} & set(p), p
        assert p.get("descriptions_total", -1) != len(p["descriptions"])
        assert p.get("auction_names_total", -1) != len(p["auctions"])
        assert p.get("located_count", -1) != p["count"]


def test_urls_resolve_without_database_keys(bake):
    fc = asset(bake, "locations/groups/all.geojson")
    for f in fc["features"]:
        p = prebake.group_properties(f, fc["auction_names"])
        assert p["url"].startswith("/location/by-name/")
        assert p["url"] == app.location_url(p["title"])


def test_lists_and_filter_options(bake, register):
    groups = app.location_groups(register)
    want = app.company_list(groups)
    got = {r["company_name"]: r for r in asset(bake, "locations/company_list.json")}
    assert set(got) == set(want)
    for k, w in want.items():
        assert {f: got[k][f] for f in w} == w, k
    want = app.technology_list(groups)
    rows = asset(bake, "locations/technology_list.json")
    got = {r["technology"]: r for r in rows if not r.get("grouped")}
    assert set(got) == set(want)
    for k, w in want.items():
        assert {f: got[k][f] for f in w} == w, k
    grouped = [r for r in rows if r.get("grouped")]
    assert [r["technology"] for r in grouped] == ["Interconnector"]
    inter = {t for t in want if app.simplified(t) == "Interconnector"}
    assert grouped[0]["component_count"] == sum(want[t]["component_count"] for t in inter)
    opts = asset(bake, "locations/filter_options.json")
    assert {k: opts[k] for k in ("technologies", "companies", "auction_years")} == app.filter_options(groups)
