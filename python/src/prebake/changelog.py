"""The record-level changelog a bake writes against the bake it replaced.

Every bake writes ``changes/latest.json`` (format ``prebake-changes/1``,
documented in ``docs/changes.md``): the components and CMUs added, removed and
changed field by field, the components moved (old and new WGS84 positions,
geodesic distance in metres, why), each with its register id (``_id``), rolled
up by category, company, delivery year and region. :func:`changes` reads it::

    log = prebake.changes(m)
    if not log["against_nothing"]:
        print(log["summary"]["added"], "components new since build", log["old_build_id"])
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypedDict, cast

from .manifest import Manifest, ManifestError
from .tables import _manifest

#: The changelog layout this module reads.
FORMAT = "prebake-changes/1"
#: The asset every bake writes its changelog to.
ASSET = "changes/latest.json"


class Position(TypedDict):
    lat: float  # WGS84 degrees
    lng: float


class FieldChange(TypedDict):
    field: str  # a column of cmu/components ("company_name", "derated_capacity_mw", ...)
    old: Any  # None for a null
    new: Any


class _EntryBase(TypedDict):
    id: int  # the register's _id
    component_id: str
    cmu_id: str
    company_name: str
    category: str
    delivery_year: int | None
    derated_capacity_mw: float | None
    position: Position | None  # None when not located
    region: str


class Entry(_EntryBase, total=False):
    fields: list[FieldChange]  # changed components only


class Move(TypedDict):
    id: int
    component_id: str
    cmu_id: str
    company_name: str
    old: Position | None  # None: not located before
    new: Position | None  # None: not located now
    distance_m: float | None  # geodesic on WGS84, 0.1 m; None unless located in both
    reason: Literal["grid_reference", "postcode", "geocoding_rule"]
    old_geocode: str  # "<source>:<precision>", "" when not located
    new_geocode: str
    old_region: str
    new_region: str


class _CMUEntryBase(TypedDict):
    cmu_id: str
    company_name: str  # distinct names joined by " | "
    components: int


class CMUEntry(_CMUEntryBase, total=False):
    fields: list[FieldChange]  # changed CMUs only


class Summary(TypedDict):
    old_components: int
    new_components: int
    added: int
    removed: int
    changed: int
    moved: int
    touched: int  # components added, removed, changed or moved, each once
    touched_fraction: float  # touched / old_components
    cmus_added: int
    cmus_removed: int
    cmus_changed: int


class ComponentChanges(TypedDict):
    added: list[Entry]
    removed: list[Entry]
    changed: list[Entry]
    moved: list[Move]  # largest distance first


class CMUChanges(TypedDict):
    added: list[CMUEntry]
    removed: list[CMUEntry]
    changed: list[CMUEntry]


class Roll(TypedDict):
    key: str
    added: int
    removed: int
    changed: int
    moved: int
    derated_mw_net: float  # MW, new minus old


class _ChangelogBase(TypedDict):
    format: str
    old_build_id: str | None  # None when against nothing
    new_build_id: str
    against_nothing: bool  # the first bake: nothing to compare with, nothing listed
    region_kind: Literal["dno_licence_area", "postcode_area"]
    summary: Summary
    components: ComponentChanges
    cmus: CMUChanges
    rollups: dict[str, list[Roll]]  # "category", "company", "delivery_year", "region"


class Changelog(_ChangelogBase, total=False):
    note: str  # why it is against nothing


def changes(manifest: Manifest | None = None, *, verify: bool = False) -> Changelog:
    """The changelog of the bake ``manifest`` (default: the default manifest)
    against the bake it replaced, from its ``changes/latest.json``.

    ``verify`` checks the file's SHA-256 against the manifest. Raises
    :class:`ManifestError` when the bake has no changelog (a bake older than
    it) or the file is not a ``prebake-changes/1`` changelog of this build.
    """
    m = _manifest(manifest)
    if ASSET not in m.assets:
        raise ManifestError(f"the bake (build {m.build_id}) has no {ASSET}: it was baked before prebake wrote changelogs")
    data = json.loads(m.read_bytes(ASSET, verify=verify))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise ManifestError(f"{ASSET}: format {got!r}, this prebake reads {FORMAT!r}")
    if data.get("new_build_id") != m.build_id:
        raise ManifestError(f"{ASSET}: the changelog of build {data.get('new_build_id')!r}, not of this manifest's build {m.build_id!r}")
    for key in ("summary", "components", "cmus", "rollups"):
        if not isinstance(data.get(key), dict):
            raise ManifestError(f"{ASSET}: no {key!r} object")
    return cast(Changelog, data)
