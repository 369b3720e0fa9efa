"""Template tags: ``{% load prebake %}``.

``{% prebake_url "cmu/cmus.parquet" %}``
    URL of an asset.
``{% prebake_shard_url "postcodes" "WF11" %}``
    URL of one shard of a shard set.
``{% prebake_tiles_url "maptiles/default/DSR" %}``
    ``{z}/{x}/{y}`` URL template of a tile set.
``{% prebake_integrity "js/x.json" %}``
    The asset's Subresource Integrity string (``sha384-…``).
``{% prebake_tileset "maptiles/default/DSR" as ts %}``
    A tile set's manifest entry with its TileJSON ``tiles`` turned into this
    app's URLs, for ``{{ ts|json_script:"tiles" }}`` and the JS client (the
    asset ``js/prebake-client.mjs``).
``{% prebake_build_id %}``
    The bake's build id.

Every tag raises ``KeyError`` naming the build and the nearest names for a name
the bake does not have, and ``ImproperlyConfigured`` when no manifest is loaded.
"""

from __future__ import annotations

from typing import Any

from django import template

from .. import get_manifest

register = template.Library()


@register.simple_tag
def prebake_url(name: str) -> str:
    return get_manifest().url(name)


@register.simple_tag
def prebake_shard_url(shard_set: str, key: Any) -> str:
    return get_manifest().shard_url(shard_set, str(key))


@register.simple_tag
def prebake_tiles_url(layer: str) -> str:
    return get_manifest().tiles_url(layer)


@register.simple_tag
def prebake_integrity(name: str) -> str:
    return str(get_manifest().asset(name).get("integrity", ""))


@register.simple_tag
def prebake_tileset(layer: str) -> dict[str, Any]:
    m = get_manifest()
    ts = dict(m.tileset(layer))
    tj = dict(ts.get("tilejson") or {})
    tj["tiles"] = [m.tiles_url(layer)]
    ts["tilejson"] = tj
    return ts


@register.simple_tag
def prebake_build_id() -> str:
    return get_manifest().build_id
