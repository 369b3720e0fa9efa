"""The data behind :mod:`prebake.django.views`, loaded lazily from the bake and
kept compact (numpy columns, one shared string table), plus the app's rules the
views restate.

Two assets, each read once per process on first use (and again when the
manifest is reloaded with another build):

- ``maptiles/map_data.json`` (:class:`MapData`): every component in the app's
  ``Component`` order (``delivery_year DESC``; ties ascending register id), as
  columns (internal/generators/maptiles/mapdata.go). About 2 MB of JSON.
- ``locations/groups/search.json`` (:class:`Groups`): the located location
  groups with what ``/api/search-geojson/`` filters, sorts on and returns
  (internal/generators/locations/search.go). About 1.4 MB of JSON.

Integer and float columns are base64 of little-endian arrays, decoded by
``numpy.frombuffer``: no Python object per value, so loading adds little more
than the texts themselves.

Sources of the rules: ``../shared/docs/app-integration.md`` and the app's code
(daveyboyc/cm-search, ``checker/views.py`` ``map_data_api`` and
``get_simplified_technology``, ``checker/views_search_geojson.py``,
``checker/models.py`` ``LocationGroup``, ``build_location_groups``).
"""

from __future__ import annotations

import base64
import functools
import json
import threading
from typing import TYPE_CHECKING, Any, Callable

from .. import rules

if TYPE_CHECKING:
    from ..manifest import Manifest

MAP_DATA_ASSET = "maptiles/map_data.json"
SEARCH_ASSET = "locations/groups/search.json"

#: The companies the app treats as residential DSR (excluded by default):
#: ``rules.RESIDENTIAL_COMPANIES``, in its order.
RESIDENTIAL = tuple(rules.RESIDENTIAL_COMPANIES.values())

# get_simplified_technology (checker/views.py): the exact-name table, then
# keywords as substrings of the lower-cased name, in this order, else "Other"
# (the tables: rules.CATEGORY_EXACT and rules.CATEGORY_KEYWORDS).
# Applied here to request values only (what the page or a URL sends); the
# bake's categories of real classes are the same (docs/app-contract.md,
# category-keywords: 0).
_EXACT = rules.CATEGORY_EXACT
_KEYWORDS = rules.CATEGORY_KEYWORDS


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


def _np() -> Any:
    import numpy

    return numpy


def _ints(raw: dict[str, Any], name: str, n: int | None = None) -> Any:
    """Column ``name``: little-endian int32, base64 (the bake's Int32Column)."""
    np = _np()
    a = np.frombuffer(base64.b64decode(raw[name]), dtype="<i4")
    if n is not None and len(a) != n:
        raise ValueError(f"column {name!r} has {len(a)} values, count is {n}")
    return a


def _floats(raw: dict[str, Any], name: str) -> Any:
    np = _np()
    return np.frombuffer(base64.b64decode(raw[name]), dtype="<f8")


class _Strings:
    """A string table with the lookups the views need."""

    strings: list[str]

    _codes: dict[str, int] | None = None

    def code(self, s: str) -> int:
        """The string's index, or -2 (matches no row: -1 is "missing"). A
        linear scan (about 0.2 ms), remembered for up to 4,096 distinct
        strings of at most 256 characters: no second table of every string
        is kept."""
        codes = self._codes
        if codes is None:
            codes = self._codes = {}
        c = codes.get(s)
        if c is None:
            try:
                c = self.strings.index(s)
            except ValueError:
                c = -2
            if len(s) <= 256:  # bounded (4,096 short keys): hostile values cannot grow it
                if len(codes) >= 4096:
                    codes.clear()
                codes[s] = c
        return c

    _searched: dict[tuple[str, ...], tuple[Any, list[str] | None]] | None = None

    def searcher(self, cols: tuple[str, ...], keep: bool = False) -> Callable[[str], Any]:
        """A function of a term giving, for each string, whether it contains
        the term as PostgreSQL's ``UPPER(text) LIKE UPPER('%term%')`` (the
        term literal: Django escapes ``%`` and ``_``), plus a final False for
        index -1 (a missing text). Only the texts of columns ``cols`` are
        tested; they are upper-cased once per searcher (one request), or once
        per process with ``keep`` (memory for speed, where a page searches)."""
        np = _np()
        if self._searched is None:
            self._searched = {}
        idx, kept = self._searched.get(cols, (None, None))
        if idx is None:
            idx = np.unique(np.concatenate([getattr(self, c) for c in cols]))
            idx = idx[idx >= 0]
        uppers = kept if kept is not None else [pg_upper(self.strings[i]) for i in idx.tolist()]
        self._searched[cols] = (idx, uppers if keep else None)

        def hits(term: str) -> Any:
            t = pg_upper(term)
            out = np.zeros(len(self.strings) + 1, dtype=bool)
            out[idx] = np.fromiter((t in u for u in uppers), dtype=bool, count=len(uppers))
            return out

        return hits


class MapData(_Strings):
    """``maptiles/map_data.json`` as numpy columns, rows in the app's order.

    Columns (length :attr:`n`): ``id`` (register ids), ``lng``/``lat``
    (float64 degrees, NaN when unlocated), ``located`` (bool), ``pos``
    (exact-position code, -1 unlocated), and int32 indexes into
    :attr:`strings` (-1 for a missing text): ``technology``, ``category``,
    ``company``, ``delivery_year``, ``location``, ``auction_name``, ``cmu_id``,
    ``description``, ``outcode``; ``group`` (1 active location group, 0
    inactive, -1 no group); ``derated_mw`` (float64 MW, NaN when null)."""

    TEXT = ("technology", "category", "company", "delivery_year", "location", "auction_name", "cmu_id",
            "description", "outcode")
    # numpy arrays (typed Any: numpy's stubs do not follow these index columns)
    technology: Any
    category: Any
    company: Any
    delivery_year: Any
    location: Any
    auction_name: Any
    cmu_id: Any
    description: Any
    outcode: Any
    group: Any

    def __init__(self, raw: dict[str, Any]) -> None:
        np = _np()
        if raw.get("scheme") != "prebake-map-data/1":
            raise ValueError(f"{MAP_DATA_ASSET}: scheme {raw.get('scheme')!r}, this reader knows prebake-map-data/1")
        self.n = n = int(raw["count"])
        self.strings = raw["strings"]
        positions = _floats(raw, "positions").reshape(-1, 2)
        self.pos = _ints(raw, "position", n)
        self.located = self.pos >= 0
        if len(positions):
            safe = np.where(self.located, self.pos, 0)
            self.lng = np.where(self.located, positions[safe, 0], np.nan)
            self.lat = np.where(self.located, positions[safe, 1], np.nan)
        else:
            self.lng = self.lat = np.full(n, np.nan)
        self.id = _ints(raw, "id", n)
        for col in (*self.TEXT, "group"):
            setattr(self, col, _ints(raw, col, n))
        self.derated_mw = _floats(raw, "derated_mw")
        if len(self.derated_mw) != n:
            raise ValueError(f"column 'derated_mw' has {len(self.derated_mw)} values, count is {n}")
        self._by_id = np.argsort(self.id, kind="stable").astype(np.int32)
        self._sorted_ids = self.id[self._by_id]

    def text(self, col: Any, row: int) -> str | None:
        i = int(col[row])
        return None if i < 0 else self.strings[i]

    def row_of(self, component_id: int) -> int | None:
        """The row of register id ``component_id``, or None."""
        np = _np()
        if not -(2**31) <= component_id < 2**31:
            return None
        i = int(np.searchsorted(self._sorted_ids, component_id))
        if i < self.n and int(self._sorted_ids[i]) == component_id:
            return int(self._by_id[i])
        return None

    SEARCHED = ("cmu_id", "company", "location", "description", "technology")

    def icontains(self, terms: list[str]) -> Any:
        """Rows where, for every term, one of the app's searched fields
        (:attr:`SEARCHED`) contains it as Django's ``icontains`` on PostgreSQL
        does (the terms ANDed); a missing text never matches."""
        np = _np()
        hits = self.searcher(self.SEARCHED)
        out = np.ones(self.n, dtype=bool)
        for term in terms:
            hit = hits(term)
            row = np.zeros(self.n, dtype=bool)
            for c in self.SEARCHED:
                row |= hit[getattr(self, c)]
            out &= row
            if not out.any():
                break
        return out


class Groups(_Strings):
    """``locations/groups/search.json``: the located location groups, rows in
    the order of the app's ``LocationGroup`` ids as far as the register decides
    it (internal/generators/locations/search.go), as numpy columns (:attr:`n` rows).

    ``title``, ``primary_tech``, ``primary_company``, ``desc``, ``cmu`` (-1:
    none), ``descriptions_text`` are indexes into :attr:`strings`; ``lng``,
    ``lat``, ``mw`` float64; ``count`` (components); ``active`` (bool); the per-group key
    lists ``tech`` (in ``jsonb`` key order), ``company``, ``cmu`` as flat
    ``<name>_key`` columns with ``<name>_row`` (the row of each key);
    ``big_companies`` the companies at more than 7 groups (located or not)."""

    # numpy arrays (typed Any, as MapData's)
    title: Any
    primary_tech: Any
    primary_company: Any
    desc: Any
    cmu: Any
    descriptions_text: Any
    tech_key: Any
    tech_row: Any
    company_key: Any
    company_row: Any
    cmu_key: Any
    cmu_row: Any

    def __init__(self, raw: dict[str, Any]) -> None:
        np = _np()
        if raw.get("scheme") != "prebake-search-groups/1":
            raise ValueError(f"{SEARCH_ASSET}: scheme {raw.get('scheme')!r}, this reader knows prebake-search-groups/1")
        self.n = n = int(raw["count"])
        self.strings = raw["strings"]
        self.count = _ints(raw, "component_count", n)
        for col in ("title", "primary_tech", "primary_company", "desc", "cmu", "descriptions_text"):
            setattr(self, col, _ints(raw, col, n))
        self.active = _ints(raw, "active", n).astype(bool)
        self.lng, self.lat, self.mw = _floats(raw, "lng"), _floats(raw, "lat"), _floats(raw, "mw")
        self.tech_off = _ints(raw, "tech_off", n + 1)
        for name in ("tech", "company", "cmu"):
            off = _ints(raw, name + "_off", n + 1)
            keys = _ints(raw, name + "_key")
            setattr(self, name + "_key", keys)
            setattr(self, name + "_row", np.repeat(np.arange(n, dtype=np.int32), np.diff(off)))
        self.big_companies = _ints(raw, "big_companies")

    def having(self, name: str, keys: list[str]) -> Any:
        """Rows whose ``name`` keys (``tech``, ``company``, ``cmu``) hold any
        of ``keys`` (the app's ``has_key`` / ``@>``)."""
        np = _np()
        return self.having_codes(name, [self.code(k) for k in keys])

    def having_codes(self, name: str, codes: Any) -> Any:
        np = _np()
        m = np.zeros(self.n, dtype=bool)
        k = getattr(self, name + "_key")
        m[getattr(self, name + "_row")[np.isin(k, codes)]] = True
        return m

    def tech_keys(self, row: int) -> list[str]:
        """The row's technologies keys in ``jsonb`` order."""
        return [self.strings[int(k)] for k in self.tech_key[int(self.tech_off[row]):int(self.tech_off[row + 1])]]


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
        if name not in m.assets:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                f"prebake: build {m.build_id} has no {name}, which prebake.django.urls answers from: "
                "bake again with this version of prebake"
            )
        raw = json.loads(m.read_bytes(name))
        value: Any = MapData(raw) if name == MAP_DATA_ASSET else Groups(raw)
        del raw
        _cache[name] = (m.build_id, value)
        return value


def map_data(m: Manifest) -> MapData:
    """The bake's :class:`MapData` (read on first use, then kept per build)."""
    return _load(MAP_DATA_ASSET, m)  # type: ignore[no-any-return]


def groups(m: Manifest) -> Groups:
    """The bake's :class:`Groups` (read on first use, then kept per build)."""
    return _load(SEARCH_ASSET, m)  # type: ignore[no-any-return]


def ev_charging_locations(m: Manifest) -> list[int]:
    """MapData string codes of the location texts whose group has the "EV
    Charging" pseudo-technology (the fixed ``technology=EV Charging``)."""
    g, md = groups(m), map_data(m)
    codes: list[int] | None = getattr(g, "_ev_codes", None)
    if codes is None:  # once per build: a table of every text is built and dropped
        index = {s: i for i, s in enumerate(md.strings)}
        rows = g.having("tech", ["EV Charging"])
        codes = [index[g.strings[int(t)]] for t in g.title[rows] if g.strings[int(t)] in index]
        g._ev_codes = codes  # type: ignore[attr-defined]
    return codes


def loaded() -> dict[str, str]:
    """``{asset: build id}`` of what this process has loaded (tests, diagnostics)."""
    return {k: v[0] for k, v in _cache.items()}
