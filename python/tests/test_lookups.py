"""One-shard lookups against the real bake, checked with values read another way."""

from __future__ import annotations

import csv
import glob
import json
import random

import pytest

import prebake
from prebake.lookups import company_shard_key, detail_shard, split_postcode


@pytest.fixture(scope="module")
def manifest(real_bake) -> prebake.Manifest:
    return prebake.load(real_bake.manifest, out_dir=real_bake.out)


@pytest.fixture(scope="module")
def components(real_bake) -> dict[int, dict]:
    seen: dict[int, dict] = {}
    for f in sorted(glob.glob(str(real_bake.register / "components_*.json"))):
        with open(f, encoding="utf-8") as fh:
            for rows in json.load(fh).values():
                for r in rows:
                    seen.setdefault(r["_id"], r)
    return seen


def test_component_detail(manifest, components) -> None:
    rng = random.Random(11)
    ids = rng.sample(sorted(components), 40)
    n = manifest.shardset("cmu/component_details")["params"]["n"]
    for cid in ids:
        body = prebake.component_detail(cid, manifest)
        r = components[cid]
        assert body is not None, cid
        d = body["data"]
        assert body["success"] is True and d["id"] == cid
        assert d["cmu_id"] == r["CMU ID"]
        assert d["company"] == r["Company Name"]
        assert str(d["delivery_year"]) == str(r["Delivery Year"])
        # the list shared by the position is put back, the component in it
        assert cid in [e["id"] for e in d["components_at_location"]]
        assert all(e["detailUrl"] == d["detailUrl"] for e in d["components_at_location"])
        assert "components_at_location_ref" not in d
        # the entry sits in the shard the shard function names, nowhere else
        assert str(cid) in json.loads(manifest.shard_path("cmu/component_details", str(detail_shard(cid, n))).read_bytes())
    assert prebake.component_detail(-5, manifest) is None
    # a string of digits (a URL path segment) is the same id
    assert prebake.component_detail(str(ids[0]), manifest) == prebake.component_detail(ids[0], manifest)


def test_postcode_location(manifest, real_bake) -> None:
    with open(real_bake.postcodes, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if not r["doterm"] and r["lat"] and float(r["lat"]) < 90]
    rng = random.Random(12)
    checked = 0
    for r in rng.sample(rows, 50):
        loc = prebake.postcode_location(r["pcds"], manifest, exact=True)
        assert loc is not None, r["pcds"]
        assert loc.precision == "unit"
        assert abs(loc.lat - float(r["lat"])) <= 1e-6 and abs(loc.lng - float(r["long"])) <= 1e-6, (r["pcds"], loc)
        checked += 1
    assert checked == 50
    out, inward = split_postcode(rows[0]["pcds"])
    # an unknown unit in a known outcode falls back to a centroid
    loc = prebake.postcode_location(f"{out} 9ZZ", manifest)
    assert loc is not None and loc.precision in ("sector", "outcode")
    assert prebake.postcode_location(f"{out} 9ZZ", manifest, exact=True) is None
    assert prebake.postcode_location("ZZ99 9ZZ", manifest) is None
    with pytest.raises(ValueError, match="not a full postcode"):
        split_postcode("SW1")


def test_company(manifest, real_bake) -> None:
    index = json.loads(manifest.read_bytes("cmu/company_index.json"))
    rng = random.Random(13)
    for cid in rng.sample(sorted(index), 30) + [min(index), max(index)]:
        assert prebake.company(cid, manifest) == index[cid]
    assert prebake.company("no-such-company-anywhere", manifest) is None
    assert company_shard_key("ørsted") == "_" and company_shard_key("9x") == "9" and company_shard_key("") == "_"


def test_location_groups(manifest) -> None:
    all_groups = prebake.location_groups("All", manifest)
    dsr = prebake.location_groups("DSR", manifest)
    assert all_groups["type"] == dsr["type"] == "FeatureCollection"
    assert 0 < len(dsr["features"]) < len(all_groups["features"])
    assert all(set(f["properties"]["technologies"]) & {"DSR", "Demand Side Response"} for f in dsr["features"])
    assert prebake.location_groups("Steam", manifest)["features"] == []
    p = all_groups["features"][0]["properties"]
    assert list(p)[:10] == ["id", "title", "tech", "company", "desc", "cmu", "url", "count", "active", "mw"]
    assert p["component_count"] == p["count"] and p["is_active"] == p["active"] and p["capacity_mw"] == p["mw"]


def test_group_properties() -> None:
    """The rebuild of what the file writes once; reference values from the
    app's rules (app-integration.md, Location groups) and urllib's quote."""
    f = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-4.1, 53.1]}, "properties": {
        "id": "0123456789ab", "title": "Dinorwig/Llanberis, LL55 4UR", "count": 6, "active": False, "mw": 200.5,
        "technologies": {"DSR": 2, "Hydro": 2, "Pumped Hydro": 6}, "companies": {"First Hydro": 2, "Other Co": 2},
        "descriptions": ["\u00e9" * 99 + "\U0001F600x", "b"], "cmu_ids": ["CMU1", "CMU2"], "auctions": [0, 2],
        "capacity_confidence": "low", "descriptions_total": 4, "located_count": 5}}
    names = ["2023-24 (T-4)", "2021-22 (T-1)", "2019-20 (T-4)"]
    p = prebake.group_properties(f, names)
    assert p["tech"] == "Pumped Hydro" and p["company"] == "First Hydro" and p["cmu"] == "CMU1"
    assert p["desc"] == "\u00e9" * 99 + "\U0001F600..."
    assert p["url"] == "/location/by-name/Dinorwig%2FLlanberis%2C%20LL55%204UR/"
    assert p["auction_years"] == ["2023-24 (T-4)", "2019-20 (T-4)"]
    assert (p["descriptions_total"], p["auction_names_total"], p["located_count"]) == (4, 2, 5)
    f["properties"].update(technologies={}, companies={}, descriptions=[], cmu_ids=[], auctions=[])
    del f["properties"]["descriptions_total"], f["properties"]["located_count"]
    p = prebake.group_properties(f, names)
    assert (p["tech"], p["company"], p["desc"], p["cmu"]) == ("Unknown", "Unknown", "", "")
    assert (p["descriptions_total"], p["auction_names_total"], p["located_count"]) == (0, 0, 6)


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda: prebake.component_detail("abc"), ValueError, r"component_id 'abc' is not a whole number"),
        (lambda: prebake.component_detail("12.5"), ValueError, r"component_id '12.5' is not a whole number"),
        (lambda: prebake.component_detail("1_000"), ValueError, r"component_id '1_000'"),
        (lambda: prebake.component_detail(" 12"), ValueError, r"component_id ' 12'"),
        (lambda: prebake.component_detail(12.0), TypeError, r"component_id must be an int .*not float"),
        (lambda: prebake.component_detail(True), TypeError, r"component_id must be an int .*not bool"),
        (lambda: prebake.component_detail(None), TypeError, r"component_id must be an int .*not NoneType"),
        (lambda: detail_shard("x", 4), ValueError, r"component_id 'x'"),
        (lambda: prebake.company(123), TypeError, r"company_id must be a str, not int"),
        (lambda: prebake.postcode_location(123), TypeError, r"postcode must be a str, not int"),
        (lambda: prebake.location_groups(None), TypeError, r"tech must be a str, not NoneType"),
    ],
)
def test_lookup_arguments(call, err, match) -> None:
    """A wrong argument is refused naming it and what is expected, before any
    manifest is needed (never a bare int() or slicing error, never rounded)."""
    with pytest.raises(err, match=match):
        call()
