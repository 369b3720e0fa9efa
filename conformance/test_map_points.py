"""Map points (/api/map-data/): one per exact position, newest representative,
the app's field types, in every baked tile set (maptiles/default/<layer>: the
/map/ page's opening view; other filters are clustered in the browser from the
attribute files, checked in internal/generators/maptiles)."""

import appcontract as app
from prebake import rules
from bakefiles import layer_points


def default_view(register):
    """The components the /map/ page shows by default: residential DSR excluded,
    period future (the component's location group is active)."""
    groups = app.location_groups(register)
    return [c for c in register if c.company not in rules.RESIDENTIAL_COMPANIES.values()
            and c.location in groups and groups[c.location]["active"]]


def test_map_points_match_the_app(bake, register):
    want = app.map_points(default_view(register))
    got = layer_points(bake, "default/all")
    assert set(got) == set(want), "representatives differ: %d only baked, %d only in the app" % (
        len(set(got) - set(want)), len(set(want) - set(got)))
    bad = []
    for pid, (props, ids) in want.items():
        g = got[pid]["properties"]
        for k, v in props.items():
            if g.get(k) != v:
                bad.append((pid, k, g.get(k), v))
        if g["ids"] != ids or g["count"] != len(ids):
            bad.append((pid, "ids", g["ids"], ids))
        c = register_by_id(register)[pid]
        if got[pid]["geometry"]["coordinates"] != [c.lng, c.lat]:
            bad.append((pid, "position", got[pid]["geometry"]["coordinates"], [c.lng, c.lat]))
    assert not bad, "%d field differences, first %r" % (len(bad), bad[:5])
    assert all(isinstance(f["properties"]["delivery_year"], str) for f in got.values())


def test_category_layers_hold_their_category(bake, register):
    want = app.map_points(default_view(register))
    for cat in ["DSR", "Battery", "Gas", "Wind", "Interconnector"]:
        pts = layer_points(bake, "default/" + cat)
        assert pts, cat
        for pid, f in pts.items():
            assert f["properties"]["display_technology"] == cat
            # the same position collapses to the same representative when all its
            # components share the category
            if pid in want and all(app.simplified(register_by_id(register)[i].technology) == cat for i in want[pid][1]):
                assert f["properties"]["ids"] == want[pid][1]


_by_id = {}


def register_by_id(register):
    if not _by_id:
        _by_id.update({c.id: c for c in register})
    return _by_id


def test_default_view_layers_hold_the_default_filter(bake, register):
    """maptiles/default/<layer>: the /map/ page's opening view, residential DSR
    excluded and period future (the component's location group is active)."""
    shown = {c.id for c in default_view(register) if c.lat is not None}
    for layer in ["all", "DSR", "Battery"]:
        want = shown if layer == "all" else {i for i in shown if app.simplified(register_by_id(register)[i].technology) == layer}
        got = set()
        for f in layer_points(bake, "default/" + layer).values():
            got.update(f["properties"]["ids"])
        assert got == want, "%s: %d ids only baked, %d only in the app's view" % (layer, len(got - want), len(want - got))
        assert want, layer
