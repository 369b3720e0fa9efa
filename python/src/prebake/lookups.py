"""One-file lookups: each call reads one shard (or one small asset) of a bake.

These replace the app's per-request Redis entries and database queries:

=========================  ========================================  ==========================
function                   reads                                     replaces
=========================  ========================================  ==========================
:func:`component_detail`   a shard of ``cmu/component_details``      ``/api/component-map-detail/<id>/``
                           and the file of ``cmu/components_at_location`` it names
:func:`location_groups`    ``locations/groups/all.geojson``          ``/api/search-geojson/``
:func:`postcode_location`  one shard of ``postcodes`` (an outcode)   the paid geocoding API
:func:`company`            one shard of ``cmu/company_index_shards`` ``company_index_v1``
=========================  ========================================  ==========================

Shard functions are the manifest's ``params`` (documented in
``internal/generators/cmu/README.md`` and ``internal/generators/locations/README.md``). A shard
read once is kept in memory by the :class:`~prebake.manifest.Manifest`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from . import rules
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
    {...}}``), or ``None`` when the bake has no such component. Reads two
    files: the shard of ``cmu/component_details`` holding the component (shard
    ``|id| mod n``), which names the file of ``cmu/components_at_location`` and
    the list in it, and that file; the body is rebuilt from the component's row
    of the list and the list (internal/generators/cmu/README.md, "Component details").

    ``component_id`` is an int or a string of ASCII digits (``"191482"``,
    optionally ``-``); any other string raises ``ValueError``, any other type
    (``float`` and ``bool`` included: never rounded) ``TypeError``."""
    component_id = _component_id(component_id)
    m = _manifest(manifest)
    at = _shard_entry(m, "cmu/component_details", component_id)
    if at is None:
        return None
    if not (isinstance(at, list) and len(at) == 2 and all(isinstance(v, int) for v in at)):
        raise ManifestError(f"cmu/component_details: component {component_id}: {at!r} is not [file, list]")
    lists = m.read_shard("cmu/components_at_location", str(at[0]))
    if lists is None:
        raise ManifestError(f"cmu/components_at_location: no file {at[0]} for component {component_id}")
    return rebuild_detail(lists, at[1], component_id)


def rebuild_detail(lists: Mapping[str, Any], list_index: int, component_id: int) -> dict[str, Any]:
    """The app's popup body of ``component_id`` from list ``list_index`` of
    ``lists``, a file of ``cmu/components_at_location``: each row is a
    component's id and, for each other field of ``lists["fields"]``, the index
    of its text in ``lists["strings"]`` (or null). The list's rows are the
    popup's ``components_at_location`` (an unknown year "Unknown", each with
    the popup's ``detailUrl``); the component's own row gives the rest, its
    title and ``detailUrl`` following from its location text as the app does:
    ``/location/by-name/<quote(location, safe="")>/``, or
    ``/component/by-id/<id>/`` and "Unknown Location" without one.

    Raises :class:`ManifestError` when the list or the component is not there."""
    fields, strings = lists["fields"], lists["strings"]
    try:
        raw = lists["lists"][list_index]
    except (IndexError, TypeError):
        raise ManifestError(f"cmu/components_at_location: no list {list_index} for component {component_id}") from None
    rows = [dict(zip(fields, [r[0]] + [None if v is None else strings[v] for v in r[1:]])) for r in raw]
    me = next((r for r in rows if r["id"] == component_id), None)
    if me is None:
        raise ManifestError(f"cmu/components_at_location: component {component_id} is not in its list {list_index}")
    location = me["location"]
    if location is None:
        title, url = rules.UNKNOWN_LOCATION, rules.component_url(component_id)
    else:
        title, url = location, rules.location_url(location)
    data = {
        "id": component_id,
        "title": title,
        "technology": me["technology"],
        "display_technology": me["display_technology"],
        "company": me["company"],
        "company_id": me["company_id"],
        "description": me["description"],
        "delivery_year": me["delivery_year"],
        "auction_name": me["auction_name"],
        "cmu_id": me["cmu_id"],
        "detailUrl": url,
        "has_multiple_years": len(rows) > 1,
        "components_at_location": [
            {
                "id": r["id"],
                "delivery_year": "Unknown" if r["delivery_year"] is None else r["delivery_year"],
                "auction_name": r["auction_name"],
                "cmu_id": r["cmu_id"],
                "derated_capacity_mw": r["derated_capacity_mw"],
                "detailUrl": url,
            }
            for r in rows
        ],
    }
    return {"success": True, "data": data}


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


def group_properties(feature: dict[str, Any], auction_names: list[str]) -> dict[str, Any]:
    """Every name of one feature of ``locations/groups/all.geojson``, which
    writes each value once (internal/generators/locations/README.md): the endpoint's
    ``id, title, tech, company, desc, cmu, url, count, active, mw``, then the
    LocationGroup attributes ``component_count, technologies, companies,
    descriptions, auction_years, cmu_ids, capacity_mw, capacity_confidence,
    is_active`` and the added ``descriptions_total, auction_names_total,
    located_count``. ``auction_names`` is the collection's ``auction_names``."""
    p = feature["properties"]
    techs, companies = p["technologies"], p["companies"]
    descs, cmus, auctions = p["descriptions"], p["cmu_ids"], p["auctions"]
    first = descs[0] if descs else ""
    return {
        "id": p["id"], "title": p["title"], "tech": rules.primary_tech(techs), "company": next(iter(companies), "Unknown"),
        "desc": rules.short_description(first), "cmu": cmus[0] if cmus else "",
        "url": rules.location_url(p["title"]), "count": p["count"], "active": p["active"],
        "mw": p["mw"], "component_count": p["count"], "technologies": techs, "companies": companies,
        "descriptions": descs, "auction_years": [auction_names[i] for i in auctions], "cmu_ids": cmus,
        "capacity_mw": p["mw"], "capacity_confidence": p["capacity_confidence"], "is_active": p["active"],
        "descriptions_total": p.get("descriptions_total", len(descs)),
        "auction_names_total": p.get("auction_names_total", len(auctions)),
        "located_count": p.get("located_count", p["count"]),
    }


def location_groups(tech: str = "All", manifest: Manifest | None = None) -> dict[str, Any]:
    """The located location groups as a GeoJSON FeatureCollection, each
    feature's properties every name :func:`group_properties` gives, in id
    order. ``tech`` is the endpoint's ``tech`` filter: ``"All"`` every group,
    else the groups with one of its technologies keys (``prebake.rules.TECH_FILTER_CLASSES``; a
    value not there is itself the key, so ``"Storage (Duration 2h)"`` works and
    ``"Steam"`` finds none). Reads one file, ``locations/groups/all.geojson``.
    ``TypeError`` unless a str."""
    _need_str(tech, "tech")
    fc = read_json("locations/groups/all.geojson", manifest)
    names = fc["auction_names"]
    keys = None if tech == "All" else rules.TECH_FILTER_CLASSES.get(tech, [tech])
    features = []
    for f in fc["features"]:
        if keys is not None and not any(k in f["properties"]["technologies"] for k in keys):
            continue
        features.append({"type": "Feature", "geometry": f["geometry"], "properties": group_properties(f, names)})
    return {"type": "FeatureCollection", "features": features}


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
