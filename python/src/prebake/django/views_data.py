"""The data behind :mod:`prebake.django.views`, loaded lazily from the bake and
kept compact (numpy columns, one shared string table), plus the app's rules the
views restate.

Two assets, each read once per process on first use (and again when the
manifest is reloaded with another build):

- ``maptiles/map_data.json`` (:class:`MapData`): every component in the app's
  ``Component`` order (``delivery_year DESC``; ties ascending register id), as
  columns (generators/maptiles/mapdata.go). About 1.9 MB of JSON; held as
  numpy arrays of about 1 MB plus the distinct texts.
- ``locations/groups/all.geojson`` (:class:`Groups`): the located location
  groups (generators/locations/README.md), reduced to what
  ``/api/search-geojson/`` filters on and returns.

Sources of the rules: ``../shared/docs/app-integration.md`` and the app's code
(daveyboyc/cm-search, ``checker/views.py`` ``map_data_api`` and
``get_simplified_technology``, ``checker/views_search_geojson.py``,
``checker/models.py`` ``LocationGroup``, ``build_location_groups``).
"""

from __future__ import annotations

import functools
import json
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from ..manifest import Manifest

MAP_DATA_ASSET = "maptiles/map_data.json"
GROUPS_ASSET = "locations/groups/all.geojson"

#: The companies the app treats as residential DSR (excluded by default).
RESIDENTIAL = ("AXLE ENERGY LIMITED", "OCTOPUS ENERGY LIMITED")

# get_simplified_technology (checker/views.py): the exact-name table, then
# keywords as substrings of the lower-cased name, in this order, else "Other".
# Applied here to request values only (what the page or a URL sends); the
# bake's categories of real classes are the same (docs/app-contract.md,
# category-keywords: 0).
_EXACT = {
    "Combined Heat and Power (CHP)": "CHP", "Solar Photovoltaic": "Solar", "Onshore Wind": "Wind",
    "Offshore Wind": "Wind", "Open Cycle Gas Turbine (OCGT)": "Gas", "Combined Cycle Gas Turbine (CCGT)": "Gas",
    "Reciprocating engines": "Gas", "Energy from Waste": "Biomass", "Coal/biomass": "Biomass", "Storage": "Battery",
    "OCGT and Reciprocating Engines": "Gas", "OCGT and Reciprocating Engines (Fuel Type - Diesel)": "Gas",
    "Oil-fired steam generators": "Gas", "Hydro": "Hydro", "Nuclear": "Nuclear", "Coal": "Coal",
    "Biomass": "Biomass", "Gas": "Gas", "DSR": "DSR", "Interconnector": "Interconnector",
    "BritNED (Netherlands)": "Interconnector", "Eleclink (France)": "Interconnector",
    "EWIC (Ireland)": "Interconnector", "EWIC (Republic of Ireland)": "Interconnector",
    "Greenlink (Republic of Ireland)": "Interconnector", "IFA2 (France)": "Interconnector",
    "IFA (France)": "Interconnector", "Moyle (Northern Ireland)": "Interconnector",
    "NEMO (Belgium)": "Interconnector", "NeuConnect (Germany)": "Interconnector",
    "NSL (Norway)": "Interconnector", "VikingLink (Denmark)": "Interconnector",
}
_KEYWORDS = (
    ("storage", "Battery"), ("battery", "Battery"), ("wind", "Wind"), ("solar", "Solar"), ("hydro", "Hydro"),
    ("nuclear", "Nuclear"), ("interconnector", "Interconnector"), ("gas", "Gas"), ("chp", "CHP"),
    ("biomass", "Biomass"), ("waste", "Biomass"), ("coal", "Coal"), ("dsr", "DSR"),
)


def simplified_technology(name: str | None) -> str:
    """The app's ``get_simplified_technology(name)``: ``"Unknown"`` for None or
    empty, the exact table, then the first keyword the lower-cased name
    contains (a substring, as the app's code tests it), else ``"Other"``."""
    if not name:
        return "Unknown"
    if name in _EXACT:
        return _EXACT[name]
    low = name.lower()
    for kw, cat in _KEYWORDS:
        if kw in low:
            return cat
    return "Other"


@functools.lru_cache(maxsize=4096)
def _upper_char(c: str) -> str:
    u = c.upper()
    return u if len(u) == 1 else c


def pg_upper(s: str) -> str:
    """PostgreSQL's ``UPPER()`` as Django's ``icontains`` applies it: one
    character for one (``towupper``), so ``"ß"`` stays ``"ß"`` where Python's
    ``str.upper`` gives ``"SS"``."""
    if s.isascii():
        return s.upper()
    return "".join(map(_upper_char, s))


def jsonb_key_order(keys: Any) -> list[str]:
    """The keys of a PostgreSQL ``jsonb`` object in the order the app's code
    iterates them after loading one: shorter keys (in UTF-8 bytes) first, equal
    lengths in byte order (``lengthCompareJsonbStringValue``). The app's
    ``get_primary_technology`` (``min``) and ``get_primary_company`` (``max``)
    keep the first of equals in this order."""
    return sorted(keys, key=lambda k: (len(k.encode("utf-8")), k.encode("utf-8")))


def _np() -> Any:
    import numpy

    return numpy


class MapData:
    """``maptiles/map_data.json`` as numpy columns, rows in the app's order.

    Columns (length :attr:`n`): ``id`` (int64 register ids), ``lng``/``lat``
    (float64 degrees, NaN when unlocated), ``located`` (bool), ``pos`` (int32
    exact-position code, -1 unlocated), and int32 indexes into :attr:`strings`
    (-1 for a missing text): ``technology``, ``category``, ``company``,
    ``delivery_year``, ``location``, ``auction_name``, ``cmu_id``,
    ``description``, ``outcode``; ``group`` (int8: 1 active location group, 0
    inactive, -1 no group)."""

    TEXT = ("technology", "category", "company", "delivery_year", "location", "auction_name", "cmu_id",
            "description", "outcode")

    def __init__(self, raw: dict[str, Any]) -> None:
        np = _np()
        if raw.get("scheme") != "prebake-map-data/1":
            raise ValueError(f"{MAP_DATA_ASSET}: scheme {raw.get('scheme')!r}, this reader knows prebake-map-data/1")
        self.n = int(raw["count"])
        self.strings: list[str] = raw["strings"]
        self.index = {s: i for i, s in enumerate(self.strings)}
        positions = np.asarray(raw["positions"], dtype=np.float64).reshape(-1, 2)
        self.pos = np.asarray(raw["position"], dtype=np.int32)
        self.located = self.pos >= 0
        safe = np.where(self.located, self.pos, 0)
        if len(positions):
            self.lng = np.where(self.located, positions[safe, 0], np.nan)
            self.lat = np.where(self.located, positions[safe, 1], np.nan)
        else:
            self.lng = self.lat = np.full(self.n, np.nan)
        self.id = np.asarray(raw["id"], dtype=np.int64)
        for col in self.TEXT:
            setattr(self, col, np.asarray(raw[col], dtype=np.int32))
        self.group = np.asarray(raw["group"], dtype=np.int8)
        for col in ("id", "pos", "group", *self.TEXT):
            if len(getattr(self, col)) != self.n:
                raise ValueError(f"{MAP_DATA_ASSET}: column {col!r} has {len(getattr(self, col))} rows, count is {self.n}")
        self._by_id = np.argsort(self.id, kind="stable")
        self._sorted_ids = self.id[self._by_id]
        self._upper: list[str] | None = None
        self._lock = threading.Lock()

    def text(self, col: np.ndarray, row: int) -> str | None:
        i = int(col[row])
        return None if i < 0 else self.strings[i]

    def code(self, s: str) -> int:
        """The string's index, or -2 (matches no row: -1 is "missing")."""
        return self.index.get(s, -2)

    def row_of(self, component_id: int) -> int | None:
        """The row of register id ``component_id``, or None."""
        np = _np()
        i = int(np.searchsorted(self._sorted_ids, component_id))
        if i < self.n and int(self._sorted_ids[i]) == component_id:
            return int(self._by_id[i])
        return None

    def upper_strings(self) -> list[str]:
        """:func:`pg_upper` of every string, computed on first use (text search)."""
        if self._upper is None:
            with self._lock:
                if self._upper is None:
                    self._upper = [pg_upper(s) for s in self.strings]
        return self._upper

    def icontains(self, term: str, cols: tuple[str, ...]) -> np.ndarray:
        """Rows where any of ``cols`` contains ``term`` as Django's
        ``icontains`` on PostgreSQL does (``UPPER(col) LIKE UPPER('%term%')``,
        the term literal); a missing text never matches."""
        np = _np()
        t = pg_upper(term)
        hit = np.fromiter((t in s for s in self.upper_strings()), dtype=bool, count=len(self.strings))
        hit = np.append(hit, False)  # index -1 (missing) hits this
        out = np.zeros(self.n, dtype=bool)
        for c in cols:
            out |= hit[getattr(self, c)]
        return out


class Groups:
    """The located location groups of ``locations/groups/all.geojson`` as
    columns, in file order (:attr:`n` groups).

    ``gid`` (the bake's id), ``title``, ``lng``/``lat``, ``count``, ``active``,
    ``mw`` (float64), ``tech_keys``/``company_keys`` (each group's keys in
    ``jsonb`` order), ``primary_tech``/``primary_company`` (the app's
    ``get_primary_technology``/``get_primary_company``), ``desc`` (first
    description cut as the app cuts it), ``cmu`` (first CMU id), ``by_tech``,
    ``by_company``, ``by_cmu`` (key → int32 array of groups holding it),
    ``descriptions_text`` (the ``jsonb::text`` of each group's descriptions,
    for the app's ``descriptions__icontains``)."""

    def __init__(self, fc: dict[str, Any]) -> None:
        np = _np()
        feats = fc["features"]
        self.n = n = len(feats)
        self.gid: list[str] = []
        self.title: list[str] = []
        self.tech_keys: list[tuple[str, ...]] = []
        self.company_keys: list[tuple[str, ...]] = []
        self.primary_tech: list[str] = []
        self.primary_company: list[str] = []
        self.desc: list[str] = []
        self.cmu: list[str] = []
        self.descriptions_text: list[str] = []
        lng = np.empty(n)
        lat = np.empty(n)
        count = np.empty(n, dtype=np.int64)
        active = np.empty(n, dtype=bool)
        mw = np.empty(n)
        by_tech: dict[str, list[int]] = {}
        by_company: dict[str, list[int]] = {}
        by_cmu: dict[str, list[int]] = {}
        intern: dict[str, str] = {}

        def shared(s: str) -> str:
            return intern.setdefault(s, s)

        from ..lookups import TECH_PRIORITY

        for i, f in enumerate(feats):
            p = f["properties"]
            lng[i], lat[i] = f["geometry"]["coordinates"][:2]
            self.gid.append(p["id"])
            self.title.append(p["title"])
            count[i], active[i], mw[i] = p["count"], p["active"], p["mw"] or 0
            techs = p["technologies"] or {}
            tkeys = tuple(shared(k) for k in jsonb_key_order(techs))
            self.tech_keys.append(tkeys)
            self.primary_tech.append(min(tkeys, key=lambda k: TECH_PRIORITY.get(k, 999)) if tkeys else "Unknown")
            comps = p["companies"] or {}
            ckeys = tuple(shared(k) for k in jsonb_key_order(comps))
            self.company_keys.append(ckeys)
            self.primary_company.append(max(ckeys, key=lambda k: comps[k]) if ckeys else "Unknown")
            descs = p["descriptions"] or []
            first = descs[0] if descs else ""
            self.desc.append(first[:100] + ("..." if len(first) > 100 else ""))
            # PostgreSQL's jsonb output: ", " between elements, JSON escapes for
            # '"', '\' and control characters, other characters as they are.
            self.descriptions_text.append(json.dumps(descs, ensure_ascii=False))
            cmus = p["cmu_ids"] or []
            self.cmu.append(cmus[0] if cmus else "")
            for k in tkeys:
                by_tech.setdefault(k, []).append(i)
            for k in ckeys:
                by_company.setdefault(k, []).append(i)
            for k in cmus:
                by_cmu.setdefault(k, []).append(i)
        self.lng, self.lat, self.count, self.active, self.mw = lng, lat, count, active, mw

        def arrays(d: dict[str, list[int]]) -> dict[str, Any]:
            return {k: np.asarray(v, dtype=np.int32) for k, v in d.items()}

        self.by_tech, self.by_company, self.by_cmu = arrays(by_tech), arrays(by_company), arrays(by_cmu)
        self._upper: tuple[list[str], list[str]] | None = None
        self._lock = threading.Lock()
        self.id_order: np.ndarray | None = None  # set by _load (needs MapData)
        self.big_companies: frozenset[str] = frozenset()

    def upper_texts(self) -> tuple[list[str], list[str]]:
        """:func:`pg_upper` of every title and descriptions text (first use)."""
        if self._upper is None:
            with self._lock:
                if self._upper is None:
                    self._upper = ([pg_upper(t) for t in self.title], [pg_upper(t) for t in self.descriptions_text])
        return self._upper

    def mask_of(self, index: dict[str, Any], keys: list[str]) -> np.ndarray:
        np = _np()
        m = np.zeros(self.n, dtype=bool)
        for k in keys:
            a = index.get(k)
            if a is not None:
                m[a] = True
        return m


# One (build id, value) per asset: a reloaded manifest of another build reloads.
_cache: dict[str, tuple[str, Any]] = {}
_cache_lock = threading.Lock()


def _load(name: str, m: Manifest) -> Any:
    hit = _cache.get(name)
    if hit is not None and hit[0] == m.build_id:
        return hit[1]
    with _cache_lock:
        hit = _cache.get(name)
        if hit is not None and hit[0] == m.build_id:
            return hit[1]
        raw = json.loads(m.read_bytes(name))
        if name == MAP_DATA_ASSET:
            value: Any = MapData(raw)
        else:
            value = Groups(raw)
        del raw
        _cache[name] = (m.build_id, value)
        return value


def map_data(m: Manifest) -> MapData:
    """The bake's :class:`MapData` (loaded on first use)."""
    return _load(MAP_DATA_ASSET, m)  # type: ignore[no-any-return]


def groups(m: Manifest) -> Groups:
    """The bake's :class:`Groups` (loaded on first use), with ``id_order``
    (the app's ``order_by('id')``, see :func:`app_id_order`) and
    ``big_companies`` (companies at more than 7 location groups, located or
    not, from ``locations/company_list.json``) filled in."""
    g: Groups = _load(GROUPS_ASSET, m)
    if g.id_order is None:
        with g._lock:
            if g.id_order is None:
                from ..tables import read_json

                g.big_companies = frozenset(
                    c["company_name"] for c in read_json("locations/company_list.json", m)
                    if c.get("company_name") and int(c.get("location_count", 0)) > 7
                )
                g.id_order = app_id_order(g, map_data(m))
    return g


def app_id_order(g: Groups, md: MapData) -> np.ndarray:
    """The groups in the order of the app's ``LocationGroup`` ids, as far as
    the register decides it: ``build_location_groups`` creates one group per
    location text in the order of ``values_list('location').distinct()`` under
    ``Component``'s ``ordering = ['-delivery_year']``, so a group's id follows
    its newest delivery year (newest first); groups of one year, whose order the
    database leaves open, follow their location text (code-point order)."""
    np = _np()
    newest: dict[str, str] = {}
    years, locs, strings = md.delivery_year, md.location, md.strings
    for r in range(md.n):  # rows are newest first: the first year seen per text is its newest
        li = int(locs[r])
        if li >= 0:
            t = strings[li]
            if t not in newest:
                y = int(years[r])
                newest[t] = strings[y] if y >= 0 else ""
    order = sorted(range(g.n), key=g.title.__getitem__)
    order.sort(key=lambda i: newest.get(g.title[i], ""), reverse=True)  # stable: text order within a year
    return np.asarray(order, dtype=np.int32)
