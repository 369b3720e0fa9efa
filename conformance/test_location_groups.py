"""Location groups (/api/search-geojson/): one per verbatim location text, the
app's LocationGroup attributes and feature properties."""

from bakefiles import asset
import appcontract as app

KEYS = ["title", "tech", "company", "desc", "cmu", "url", "count", "active", "mw", "component_count",
        "technologies", "companies", "descriptions", "auction_years", "cmu_ids", "capacity_confidence", "tech_filters"]


def test_groups_match_the_app(bake, register):
    want = {t: g for t, g in app.location_groups(register).items() if g["position"] is not None}
    feats = {f["properties"]["title"]: f for f in asset(bake, "locations/groups/all.geojson")["features"]}
    assert set(feats) == set(want)
    bad = []
    for text, g in want.items():
        p = feats[text]["properties"]
        for k in KEYS:
            if p[k] != g[k]:
                bad.append((text[:40], k, p[k], g[k]))
        if list(p["technologies"]) != g["technologies_order"]:
            bad.append((text[:40], "technologies order", list(p["technologies"]), g["technologies_order"]))
        if feats[text]["geometry"]["coordinates"] != g["position"]:
            bad.append((text[:40], "position", feats[text]["geometry"]["coordinates"], g["position"]))
    assert not bad, "%d differences, first %r" % (len(bad), bad[:5])


def test_urls_resolve_without_database_keys(bake):
    for f in asset(bake, "locations/groups/all.geojson")["features"]:
        assert f["properties"]["url"].startswith("/location/by-name/")
        assert f["properties"]["url"] == app.location_url(f["properties"]["title"])


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
