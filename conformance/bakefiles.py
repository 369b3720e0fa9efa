"""Paths and readers of the conformance suite: where ../shared is, how to read a
bake's assets and shard sets, the register rows in prebake's read order. (Kept
out of conftest.py so that test modules import it by a name no other test
directory uses.)"""

import glob
import json
import os

import pytest

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
    by id."""
    ts = bake["manifest"]["tilesets"]["maptiles/" + layer]
    top = int(ts["layout"]["points_zoom"])
    points = {}
    for p in glob.glob(os.path.join(bake["dir"], ts["path"], "**", "*.geojson"), recursive=True):
        with open(p, encoding="utf-8") as f:
            for feat in json.load(f)["features"]:
                props = feat["properties"]
                if not props.get("cluster") and props["maxzoom"] == top:
                    points[props["id"]] = feat
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
