"""Popups (/api/component-map-detail/<id>/): rebuilt from the two shard sets,
equal to the app's body for every component; a map point's popup lists every
one of the point's components."""

import json
import os

import appcontract as app
from bakefiles import layer_points, shard_files
from prebake import rules


def rebuild(at, files, cid):
    """The app's body of component cid from the two shard sets, by the
    documented rebuild (internal/generators/cmu/README.md): at = its [file, list] in
    cmu/component_details; the list's rows are the entries, the component's
    own row the popup's fields, title and detailUrl from its location text."""
    f = files[at[0]]
    rows = [dict(zip(f["fields"], [r[0]] + [None if v is None else f["strings"][v] for v in r[1:]])) for r in f["lists"][at[1]]]
    me = next(r for r in rows if r["id"] == cid)
    loc = me["location"]
    url = rules.location_url(loc) if loc is not None else rules.component_url(cid)
    data = {k: me[k] for k in ("technology", "display_technology", "company", "company_id", "description",
                                "delivery_year", "auction_name", "cmu_id")}
    data.update(id=cid, title=loc if loc is not None else rules.UNKNOWN_LOCATION, detailUrl=url, has_multiple_years=len(rows) > 1,
                components_at_location=[{"id": r["id"], "delivery_year": r["delivery_year"] or "Unknown", "auction_name": r["auction_name"],
                                         "cmu_id": r["cmu_id"], "derated_capacity_mw": r["derated_capacity_mw"], "detailUrl": url} for r in rows])
    return {"success": True, "data": data}


def list_files(bake):
    """The files of cmu/components_at_location, by number."""
    s = bake["manifest"]["shardsets"]["cmu/components_at_location"]
    files = []
    for i in range(s["params"]["n"]):
        with open(os.path.join(bake["dir"], s["path"], "%d.json" % i), encoding="utf-8") as f:
            files.append(json.load(f))
    return files


def test_popups_match_the_app(bake, register):
    details = shard_files(bake, "cmu/component_details")
    files = list_files(bake)
    want = app.popups(register)
    assert set(details) == {str(i) for i in want}
    bad = []
    for cid, body in want.items():
        got = rebuild(details[str(cid)], files, cid)
        if got != body:
            diff = sorted(k for k in body["data"] if got["data"].get(k) != body["data"][k])
            bad.append((cid, diff))
    assert not bad, "%d popups differ, first %r" % (len(bad), bad[:5])


def test_map_point_and_popup_show_the_same_components(bake, register):
    details = shard_files(bake, "cmu/component_details")
    files = list_files(bake)
    missing = 0
    for pid, feat in layer_points(bake, "default/all").items():
        listed = {e["id"] for e in rebuild(details[str(pid)], files, pid)["data"]["components_at_location"]}
        missing += not set(feat["properties"]["ids"]) <= listed
    assert missing == 0


def test_lists_stored_once_per_position(bake, register):
    """One list per position (a component without coordinates: its own), each
    stored once, and every file within the shard set's max_bytes."""
    details = shard_files(bake, "cmu/component_details")
    files = list_files(bake)
    stored = [(i, j) for i, f in enumerate(files) for j in range(len(f["lists"]))]
    assert {tuple(v) for v in details.values()} == set(stored)
    positions = {(c.lat, c.lng) if c.lat is not None else ("id", c.id) for c in register}
    assert len(stored) == len(positions) < len(details)
    s = bake["manifest"]["shardsets"]["cmu/components_at_location"]
    sizes = [os.path.getsize(os.path.join(bake["dir"], s["path"], "%d.json" % i)) for i in range(len(files))]
    assert max(sizes) <= s["params"]["max_bytes"]
