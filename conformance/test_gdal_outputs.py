"""Every geographic output opened by an independent reader: GDAL (the one the
pyogrio wheel bundles, >= 3.8 with the PMTiles driver; Debian's GDAL 3.6 has no
PMTiles driver). The PMTiles archive's layers and, at zoom 0 (one tile, so no
buffer copies), its features: the clusters and markers of each layer's opening
view add up to the markers /api/map-data/ gives for the default filters (one per
exact position) and to the components they stand for. Every GeoJSON asset: its
feature count and geometry types as GDAL reads them. (The tile sets
maptiles/default/<layer> are prebake's own columnar JSON, not GeoJSON: no
GDAL driver opens them; the JS client (js/) decodes them.)"""

import json
import os

import pytest

import appcontract as app
from bakefiles import need
from test_map_points import default_view

try:
    import pyogrio
except ImportError:  # need() below: skipped outside CI, failed in CI
    pyogrio = None


@pytest.fixture(autouse=True)
def _pyogrio():
    need(pyogrio is not None, "needs pyogrio (scripts/requirements-test.txt; bash scripts/setup-python.sh)")


def gdal_version():
    return tuple(pyogrio.__gdal_version__[:2])


def test_gdal_reads_pmtiles():
    assert gdal_version() >= (3, 8), pyogrio.__gdal_version_string__
    assert "PMTiles" in pyogrio.list_drivers(), "this GDAL has no PMTiles driver"


def test_pmtiles_layers_and_counts(bake, register):
    ts = bake["manifest"]["tilesets"]["maptiles/map.pmtiles"]
    path = os.path.join(bake["dir"], ts["path"])
    layers = [name for name, _ in pyogrio.list_layers(path)]
    want_layers = [vl["id"] for vl in ts["tilejson"]["vector_layers"]]
    assert sorted(layers) == sorted(want_layers) and len(layers) == 13, layers
    view = [c for c in default_view(register) if c.lat is not None]
    for layer in layers:
        comps = view if layer == "all" else [c for c in view if app.simplified(c.technology) == layer]
        markers = app.map_points(comps)
        _meta, _fids, _geom, fields = pyogrio.raw.read(path, layer=layer, ZOOM_LEVEL="0", return_fids=True)
        names = _meta["fields"].tolist()
        col = {n: fields[i] for i, n in enumerate(names)}
        n = len(_fids)
        assert n > 0, layer
        positions = components = 0
        for i in range(n):
            if bool(col["cluster"][i]):
                positions += int(col["point_count"][i])
                components += int(col["components"][i])
            else:
                positions += 1
                components += int(col["count"][i])
        assert positions == len(markers), (layer, positions, len(markers))
        assert components == len(comps), (layer, components, len(comps))
        assert _meta["geometry_type"] in ("Point", "MultiPoint", "Unknown"), _meta["geometry_type"]


def test_pmtiles_metadata_attribution(bake):
    ts = bake["manifest"]["tilesets"]["maptiles/map.pmtiles"]
    info = pyogrio.read_info(os.path.join(bake["dir"], ts["path"]), layer="all")
    assert "Contains OS data © Crown copyright and database right" in ts["tilejson"]["attribution"]
    assert info["features"] != 0


def geojson_assets(manifest):
    return {name: a for name, a in manifest["assets"].items()
            if a["content_type"] == "application/geo+json" or a["path"].endswith(".geojson")}


def test_every_geojson_opens_in_gdal(bake):
    assets = geojson_assets(bake["manifest"])
    need(len(assets) >= 2, "the bake has no GeoJSON outputs")
    for name, a in sorted(assets.items()):
        path = os.path.join(bake["dir"], a["path"])
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        feats = doc["features"]
        info = pyogrio.read_info(path, force_feature_count=True)
        assert info["features"] == len(feats), (name, info["features"], len(feats))
        types = {f["geometry"]["type"] for f in feats}
        want = types.pop() if len(types) == 1 else "Unknown"
        assert info["geometry_type"] in (want, "Unknown"), (name, info["geometry_type"], types)
        assert info["crs"] in ("EPSG:4326", "OGC:CRS84", None) or "4326" in str(info["crs"]), (name, info["crs"])
