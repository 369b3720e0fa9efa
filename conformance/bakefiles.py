"""Paths and readers of the conformance suite: where ../shared is, how to read a
bake's assets and shard sets, the register rows in prebake's read order. (Kept
out of conftest.py so that test modules import it by a name no other test
directory uses.)"""

import glob
import json
import os

import pytest

from prebake import rules

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
REGISTER = os.path.join(SHARED, "data", "register")


def need(ok, what):
    """Skip (fail in CI) when a prerequisite is missing."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(what + " (required in CI)")
    pytest.skip(what)


def layer_points(bake, layer):
    """The point features (not clusters) of a map tile set at the raw-point zoom,
    by id, as GeoJSON: its files (scheme prebake-cluster-tree/3, columns with the
    text fields as indexes into the file's strings, -2 in detailUrl for the
    location page of the title) decoded here independently of the JS client (js/src)."""
    ts = bake["manifest"]["tilesets"]["maptiles/" + layer]
    assert ts["layout"]["scheme"] == "prebake-cluster-tree/3", ts["layout"]["scheme"]
    top = int(ts["layout"]["points_zoom"])
    texts = ["cmu_id", "title", "technology", "display_technology", "company", "description",
             "delivery_year", "auction_name", "detailUrl"]
    points = {}
    for p in glob.glob(os.path.join(bake["dir"], ts["path"], "**", "*.json"), recursive=True):
        with open(p, encoding="utf-8") as f:
            data = json.load(f)
        cols, strings = data.get("points"), data["strings"]
        if not cols:
            continue
        for i, ids in enumerate(cols["ids"]):
            props = {"id": ids[0]}
            for k in texts:
                v = cols[k][i]
                props[k] = None if v < 0 else strings[v]
            if cols["detailUrl"][i] == -2:  # the app's location page of the title
                props["detailUrl"] = rules.location_url(props["title"])
            props.update(count=len(ids), ids=ids, mw=cols["mw"][i], minzoom=cols["minzoom"][i], maxzoom=top)
            points[ids[0]] = {"type": "Feature", "id": ids[0], "properties": props,
                              "geometry": {"type": "Point", "coordinates": [cols["lng"][i], cols["lat"][i]]}}
    return points


def asset(bake, name):
    with open(os.path.join(bake["dir"], bake["manifest"]["assets"][name]["path"]), encoding="utf-8") as f:
        return json.load(f)


def components_table(bake):
    """cmu/components (published only as Parquet and Arrow) read with pyarrow,
    by id: {id: {column: value}}."""
    import pyarrow.parquet as pq

    path = os.path.join(bake["dir"], bake["manifest"]["assets"]["cmu/components.parquet"]["path"])
    return {r["id"]: r for r in pq.read_table(path).to_pylist()}


def shard_files(bake, name):
    """Every file of a shard set, merged into one dict."""
    s = bake["manifest"]["shardsets"][name]
    merged = {}
    for p in sorted(glob.glob(os.path.join(bake["dir"], s["path"], "*.json"))):
        with open(p, encoding="utf-8") as f:
            merged.update(json.load(f))
    return merged


def register_rows():
    """The component rows in prebake's read order (files sorted, then in file
    order), de-duplicated by _id (the first wins), and every repeat."""
    first, repeats = {}, []
    for path in sorted(glob.glob(os.path.join(REGISTER, "components_*.json"))):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        n = 0
        for rows in data.values():
            for row in rows:
                n += 1
                if row["_id"] in first:
                    repeats.append((path, n, row))
                else:
                    first[row["_id"]] = (path, n, row)
    return first, repeats
