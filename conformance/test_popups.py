"""Popups (/api/component-map-detail/<id>/): rebuilt from the two shard sets,
equal to the app's body for every component; a map point's popup lists every
one of the point's components."""

import appcontract as app
from bakefiles import layer_points, shard_files


def rebuild(stored, lists):
    """The app's body from a stored detail and the list it names (the documented
    rebuild: add the popup's detailUrl to each entry, drop the two ref fields)."""
    data = dict(stored["data"])
    ref = str(data.pop("components_at_location_ref"))
    count = data.pop("components_at_location_count")
    items = [dict(e, detailUrl=data["detailUrl"]) for e in lists[ref]]
    assert len(items) == count
    data["components_at_location"] = items
    return {"success": stored["success"], "data": data}


def test_popups_match_the_app(bake, register):
    details = shard_files(bake, "cmu/component_details")
    lists = shard_files(bake, "cmu/components_at_location")
    want = app.popups(register)
    assert set(details) == {str(i) for i in want}
    bad = []
    for cid, body in want.items():
        got = rebuild(details[str(cid)], lists)
        if got != body:
            diff = sorted(k for k in body["data"] if got["data"].get(k) != body["data"][k])
            bad.append((cid, diff))
    assert not bad, "%d popups differ, first %r" % (len(bad), bad[:5])


def test_map_point_and_popup_show_the_same_components(bake, register):
    details = shard_files(bake, "cmu/component_details")
    lists = shard_files(bake, "cmu/components_at_location")
    missing = 0
    for pid, feat in layer_points(bake, "all").items():
        listed = {e["id"] for e in rebuild(details[str(pid)], lists)["data"]["components_at_location"]}
        missing += not set(feat["properties"]["ids"]) <= listed
    assert missing == 0


def test_lists_stored_once_per_position(bake):
    details = shard_files(bake, "cmu/component_details")
    lists = shard_files(bake, "cmu/components_at_location")
    refs = {str(d["data"]["components_at_location_ref"]) for d in details.values()}
    assert refs == set(lists)
    assert sum(len(v) for v in lists.values()) < sum(d["data"]["components_at_location_count"] for d in details.values())
