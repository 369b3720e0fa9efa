"""One-file lookups: each call reads one shard (or one small asset) of a bake.

These replace the app's per-request Redis entries and database queries:

=========================  ========================================  ==========================
function                   reads                                     replaces
=========================  ========================================  ==========================
:func:`component_detail`   a shard of ``cmu/component_details``      ``/api/component-map-detail/<id>/``
                           and of ``cmu/components_at_location``
:func:`location_groups`    ``locations/groups/<category>.geojson``   ``/api/search-geojson/``
:func:`postcode_location`  one shard of ``postcodes`` (an outcode)   the paid geocoding API
:func:`company`            one shard of ``cmu/company_index_shards`` ``company_index_v1``
=========================  ========================================  ==========================

Shard functions are the manifest's ``params`` (documented in
``generators/cmu/README.md`` and ``generators/locations/README.md``). A shard
read once is kept in memory by the :class:`~prebake.manifest.Manifest`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .manifest import Manifest, ManifestError
from .tables import _manifest, read_json


_DIGITS = re.compile(r"-?[0-9]+")


def _component_id(component_id: int | str) -> int:
    """``component_id`` as an int: an int, or a string of ASCII digits with an
    optional ``-`` (what a URL path segment gives). Anything else is refused,
    never rounded or trimmed: ``TypeError`` for other types (bool and float
    included), ``ValueError`` for other strings."""
    if isinstance(component_id, int) and not isinstance(component_id, bool):
        return component_id
    if isinstance(component_id, str):
        if _DIGITS.fullmatch(component_id):
            return int(component_id)
        raise ValueError(f"component_id {component_id!r} is not a whole number (a register id such as 191482)")
    raise TypeError(f"component_id must be an int or a string of digits, not {type(component_id).__name__}")


def _need_str(value: object, name: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")


def detail_shard(component_id: int | str, n: int) -> int:
    """The shard holding component ``component_id`` among ``n``: ``|id| mod n``
    (``cmu.DetailShard`` in Go). ``component_id`` as for :func:`component_detail`."""
    return abs(_component_id(component_id)) % n


def component_detail(component_id: int | str, manifest: Manifest | None = None) -> dict[str, Any] | None:
    """The map popup of register id ``component_id``: the JSON body the app's
    ``/api/component-map-detail/<id>/`` returns (``{"success": true, "data":
    {...}}``), or ``None`` when the bake has no such component. Reads one shard
    of ``cmu/component_details`` and the shard of ``cmu/components_at_location``
    holding the list the popup names (``components_at_location_ref``), and puts
    the list back as the app has it: each entry with the popup's ``detailUrl``
    (generators/cmu/README.md, "Component details").

    ``component_id`` is an int or a string of ASCII digits (``"191482"``,
    optionally ``-``); any other string raises ``ValueError``, any other type
    (``float`` and ``bool`` included: never rounded) ``TypeError``."""
    component_id = _component_id(component_id)
    m = _manifest(manifest)
    value = _shard_entry(m, "cmu/component_details", int(component_id))
    if not isinstance(value, dict):
        return None
    data = dict(value["data"])
    if "components_at_location_ref" in data:
        ref = int(data.pop("components_at_location_ref"))
        data.pop("components_at_location_count", None)
        items = _shard_entry(m, "cmu/components_at_location", ref)
        if not isinstance(items, list):
            raise ManifestError(f"cmu/components_at_location: no list {ref} for component {component_id}")
        data["components_at_location"] = [dict(e, detailUrl=data["detailUrl"]) for e in items]
    return {"success": value["success"], "data": data}


def _shard_entry(m: Manifest, name: str, key: int) -> Any:
    """The value under ``str(key)`` in shard ``|key| mod n`` of an id-sharded set."""
    s = m.shardset(name)
    n = int((s.get("params") or {}).get("n", 0))
    if n <= 0:
        raise ManifestError(f"shard set {name}: params.n is missing")
    shard = m.read_shard(name, str(detail_shard(key, n)))
    if shard is None:
        return None
    return shard.get(str(key))


def location_groups(category: str = "all", manifest: Manifest | None = None) -> dict[str, Any]:
    """The location groups of one technology category (``"DSR"``, ``"Battery"``,
    …, or ``"all"``) as a GeoJSON FeatureCollection, the features of the app's
    ``/api/search-geojson/``. Reads one file. ``TypeError`` unless a str."""
    _need_str(category, "category")
    return dict(read_json(f"locations/groups/{category}.geojson", manifest))


@dataclass(frozen=True)
class PostcodeLocation:
    """A postcode's position (WGS84 degrees) and how exact it is:
    ``precision`` is ``"unit"`` (the postcode itself), ``"sector"`` or
    ``"outcode"`` (the centroid used when the unit is not in the table)."""

    postcode: str
    lat: float
    lng: float
    precision: str


_SPACE = re.compile(r"\s+")


def split_postcode(postcode: str) -> tuple[str, str]:
    """``(outcode, inward)`` of a postcode, as the app derives them: upper-cased,
    spaces removed, the inward code is the last three characters."""
    pc = _SPACE.sub("", postcode).upper()
    if len(pc) < 5:
        raise ValueError(f"{postcode!r} is not a full postcode (outcode and a 3-character inward code)")
    return pc[:-3], pc[-3:]


def postcode_location(postcode: str, manifest: Manifest | None = None, *, exact: bool = False) -> PostcodeLocation | None:
    """Where ``postcode`` is, from the ``postcodes`` shard set (one file per
    outcode). Falls back to the sector, then the outcode centroid, unless
    ``exact``. ``None`` when the outcode is unknown. ``TypeError`` unless a
    str, ``ValueError`` when too short to be a full postcode."""
    _need_str(postcode, "postcode")
    out, inward = split_postcode(postcode)
    shard = _manifest(manifest).read_shard("postcodes", out)
    if shard is None:
        return None
    pc = f"{out} {inward}"
    if (p := (shard.get("postcodes") or {}).get(inward)) is not None:
        return PostcodeLocation(pc, float(p[0]), float(p[1]), "unit")
    if exact:
        return None
    if (p := (shard.get("sectors") or {}).get(inward[0])) is not None:
        return PostcodeLocation(pc, float(p[0]), float(p[1]), "sector")
    if (p := shard.get("centroid")) is not None:
        return PostcodeLocation(pc, float(p[0]), float(p[1]), "outcode")
    return None


def company_shard_key(company_id: str) -> str:
    """The ``cmu/company_index_shards`` key of a company id: its first character
    when it is ``a``–``z`` or ``0``–``9``, else ``_``."""
    first = company_id[:1]
    return first if ("a" <= first <= "z" or "0" <= first <= "9") else "_"


def company(company_id: str, manifest: Manifest | None = None) -> dict[str, Any] | None:
    """The company index entry of ``company_id`` (the index's
    ``normalized_name``), or ``None``. Reads one shard. ``TypeError`` unless a str."""
    _need_str(company_id, "company_id")
    shard = _manifest(manifest).read_shard("cmu/company_index_shards", company_shard_key(company_id))
    if shard is None:
        return None
    value = shard.get(company_id)
    return value if isinstance(value, dict) else None
