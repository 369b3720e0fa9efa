"""A Django cache backend that keeps the app's replaced cache families out of Redis.

The app (cm-search) changes one line of ``CACHES["default"]`` and adds one key::

    CACHES = {
        "default": {
            "BACKEND": "prebake.django.cache.PrebakeCache",            # was django_redis.cache.RedisCache
            "PREBAKE_WRAPPED_BACKEND": "django_redis.cache.RedisCache",  # the backend it had
            "LOCATION": redis_url,                                       # unchanged: the app reads it
            "TIMEOUT": 3600,                                             # unchanged
            "OPTIONS": {...},                                            # unchanged, given to the wrapped backend
        }
    }

``LOCATION``, ``OPTIONS``, ``TIMEOUT``, ``KEY_PREFIX``, ``VERSION`` and
``KEY_FUNCTION`` stay where they are and go to the wrapped backend as before
(the app reads ``settings.CACHES['default']['LOCATION']`` directly).

Every key is sorted by the app's cache-family table
(``prebake/data/cache_families.json``, the file ``prebake audit`` reads too:
``internal/apprules/cache_families.json``) into one of three treatments:

``bake``
    ``get`` returns exactly the value the app's code stores, built from the
    bake on first use: ``cmu_dataframe_v1`` (a ``str``, base64 of the pickled
    frame of ``cmu/cmus.json``: the app's ``get_cmu_dataframe`` decodes it),
    ``cmu_to_company_mapping`` (the dict of ``cmu/cmu_to_company.json``),
    ``company_list_<sort>_<order>`` and ``technology_list_v3_<sort>_<order>``
    (the JSON strings ``/companies/`` and ``/technologies/`` store: top 500 and
    200 in the requested order, from ``locations/company_list.json`` and
    ``technology_list.json``), and the four ``filter:*`` keys of the app's
    ``checker/services/filter_options.py`` (from
    ``locations/filter_options.json``). ``set``, ``add`` and ``set_many`` of
    these keys never reach Redis. A key of such a family whose value the bake
    cannot give exactly (another ``filter:*`` key; a ``company_list_`` key whose
    sort and order cannot be told apart) is treated as ``process``.
``process``
    Request-keyed values (search results ``components_for_cmu*``,
    ``map_data_*``, ``geojson_static:*``, ``component_detail_<database key>``,
    ``tech_map_*``, values of builders nothing reads): ``set``/``get`` use one
    store per process, bounded in bytes (``PREBAKE_PROCESS_MAX_BYTES``, default
    4 MiB, keys and per-entry overhead counted with the values, least recently
    used dropped first), values pickled as Redis would
    hold them (each ``get`` returns a fresh copy), timeouts kept. Never Redis.
``redis``
    Every other key: passed through to the wrapped backend unchanged.

``delete``/``delete_many``/``clear``/``delete_pattern`` act on the process
store and on Redis (so keys written before the switch-over can still be
removed). django-redis' ``keys``, ``iter_keys``, ``delete_pattern`` and ``ttl``
see both stores; they exist exactly when the wrapped backend has them
(``hasattr(cache, "delete_pattern")`` stays true to the wrapped backend). Any
other attribute (``cache.client``, ``lock``, ``expire``, ...) is the wrapped
backend's, and a raw Redis client bypasses this backend altogether.

Nothing is read at start-up: the manifest's files are read on the first
``get`` of a key that needs them, and what was built is kept per process (the
frame's base64 string, about 4 MB on the real register) in a memo bounded by
``PREBAKE_BAKE_MAX_BYTES`` (default 12 MiB). When the manifest cannot be
loaded, ``bake`` keys pass through to the wrapped backend (the app then works as
without prebake) and the error is logged once; ``manage.py check`` reports it
(``prebake.E002``). A value that cannot be built (a damaged file) is logged and
its ``get`` passes through too. Only ``get`` builds: ``set``, ``add`` and the
others decide a key's treatment from the key alone.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import pickle
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache as _memo
from importlib import resources
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..manifest import Manifest
from ..tables import cmu_to_company_mapping, read_json, read_table

logger = logging.getLogger("prebake.django.cache")

BAKE, PROCESS, REDIS = "bake", "process", "redis"

#: The settings key naming the backend PrebakeCache wraps.
WRAPPED = "PREBAKE_WRAPPED_BACKEND"


@dataclass(frozen=True)
class Family:
    """One row of ``cache_families.json`` (see its ``about``)."""

    name: str
    exact: str
    prefix: str
    rest: str
    backend: str
    replaced_by: tuple[str, ...]

    def matches(self, body: str) -> bool:
        if self.exact:
            return body == self.exact
        if not body.startswith(self.prefix):
            return False
        tail = body[len(self.prefix) :]
        if self.rest == "md5":
            return len(tail) == 32 and all(c in "0123456789abcdef" for c in tail)
        if self.rest == "digits":
            return tail.isascii() and tail.isdigit()
        return True


def families_json() -> bytes:
    """The bytes of the packaged ``cache_families.json``."""
    return resources.files("prebake").joinpath("data/cache_families.json").read_bytes()


@_memo
def families() -> tuple[Family, ...]:
    """The app's cache families, in the file's order. Raises ``ValueError`` for
    a row the backend cannot read (unknown ``rest`` or ``backend``)."""
    out = []
    for row in json.loads(families_json())["families"]:
        f = Family(row["name"], row.get("exact", ""), row.get("prefix", ""), row.get("rest", ""), row["backend"], tuple(row.get("replaced_by", ())))
        if f.rest not in ("", "md5", "digits") or f.backend not in (BAKE, PROCESS, REDIS) or bool(f.exact) == bool(f.prefix):
            raise ValueError(f"cache_families.json: family {f.name!r}: cannot read {row!r}")
        out.append(f)
    return tuple(out)


def family_of(body: str) -> Family | None:
    """The family of key ``body`` (the key the app passes to the cache): exact
    names first, then prefixes in the file's order (as ``prebake audit``)."""
    fams = families()
    for f in fams:
        if f.exact and f.exact == body:
            return f
    for f in fams:
        if not f.exact and f.matches(body):
            return f
    return None


# --- values built from the bake ----------------------------------------------

_UNKNOWN = object()  # the bake cannot give this key's value exactly


def _app_normalize(text: Any) -> str:
    """The app's ``checker/utils.py`` ``normalize``: lower-case, every white
    space removed; not a string gives ``""``."""
    return "".join(text.lower().split()) if isinstance(text, str) else ""


def _sort_kinds(rest: str, kinds: Iterable[str]) -> tuple[str, bool] | None:
    """(sort kind, descending) of ``rest`` = f"{sort_by}_{sort_order}" as the
    app's list views read them (a sort_by outside ``kinds`` is capacity;
    descending when sort_order == "desc"), or None when the splits of ``rest``
    at its underscores do not all give the same answer."""
    kinds = set(kinds)
    splits = [(rest[:i], rest[i + 1 :]) for i, c in enumerate(rest) if c == "_"]
    seen = {(s if s in kinds else "capacity", o == "desc") for s, o in splits}
    return next(iter(seen)) if len(seen) == 1 else None


def _app_list(rows: list[dict[str, Any]], fields: tuple[str, ...], kind: str, desc: bool, name_key: str, cut: int) -> str:
    """The JSON string the app's list views store: rows in the SQL's order
    (``ORDER BY total_capacity DESC``; ties in the bake's order, which the
    database leaves undefined), sorted as the view sorts (stable), the first
    ``cut``, with ``json.dumps``' default separators."""
    items = [{k: r[k] for k in fields} for r in rows]
    items.sort(key=lambda x: x["total_capacity"], reverse=True)
    if kind == "name":
        items.sort(key=lambda x: x[name_key].lower(), reverse=desc)
    elif kind == "locations":
        items.sort(key=lambda x: x["location_count"], reverse=desc)
    elif kind == "components":
        items.sort(key=lambda x: x["component_count"], reverse=desc)
    else:
        items.sort(key=lambda x: x["total_capacity"], reverse=desc)
    return json.dumps(items[:cut])


def company_list_value(m: Manifest, rest: str) -> Any:
    """``company_list_<rest>``: ``/companies/``' top 500 as a JSON string of
    ``{company_name, company_id, location_count, component_count,
    total_capacity}`` (``checker/views_lists_optimized.py``)."""
    how = _sort_kinds(rest, ("name", "locations", "components"))
    if how is None:
        return _UNKNOWN
    rows = [
        {"company_name": r["company_name"], "company_id": _app_normalize(r["company_name"]), "location_count": int(r["location_count"]),
         "component_count": int(r["component_count"]), "total_capacity": float(r["total_capacity"] or 0)}
        for r in read_json("locations/company_list.json", m)
    ]
    return _app_list(rows, ("company_name", "company_id", "location_count", "component_count", "total_capacity"), how[0], how[1], "company_name", 500)


#: The interconnector classes the app's ``technology_list_optimized`` SQL groups
#: into one ``Interconnector`` row (``checker/views_lists_optimized.py``).
GROUPED_INTERCONNECTORS = frozenset({
    "BritNED (Netherlands)", "Eleclink (France)", "EWIC (Ireland)", "EWIC (Republic of Ireland)",
    "Greenlink (Republic of Ireland)", "IFA2 (France)", "IFA (France)", "Moyle (Northern Ireland)",
    "NEMO (Belgium)", "NeuConnect (Germany)", "NSL (Norway)", "VikingLink (Denmark)",
})


def technology_list_value(m: Manifest, rest: str) -> Any:
    """``technology_list_v3_<rest>``: ``/technologies/``' top 200 as a JSON
    string of ``{technology, location_count, component_count, total_capacity}``
    (every ``technologies`` key and the grouped Interconnector row)."""
    how = _sort_kinds(rest, ("locations", "components"))
    if how is None:
        return _UNKNOWN
    rows = [
        {"technology": r["technology"], "location_count": int(r["location_count"] or 0), "component_count": int(r["component_count"] or 0),
         "total_capacity": float(r["total_capacity"] or 0)}
        for r in read_json("locations/technology_list.json", m)
        if not r.get("grouped")
    ]
    # The app's grouped row is the SUM of the individual rows of its 12 names
    # (a location holding two interconnector classes counts twice), where the
    # bake's grouped row counts locations once: rebuilt here the app's way.
    # An aggregate without GROUP BY gives one row even over no rows (0 then).
    grouped = [r for r in rows if r["technology"] in GROUPED_INTERCONNECTORS]
    rows.append({"technology": "Interconnector", "location_count": sum(r["location_count"] for r in grouped),
                 "component_count": sum(r["component_count"] for r in grouped), "total_capacity": float(sum(r["total_capacity"] for r in grouped))})
    return _app_list(rows, ("technology", "location_count", "component_count", "total_capacity"), how[0], how[1], "technology", 200)


def filter_value(m: Manifest, key: str) -> Any:
    """The four keys ``checker/services/filter_options.py`` builds."""
    names = {
        "filter:technologies:v1": "technologies",
        "filter:companies:v2": "companies",
        "filter:auction_years:v1": "auction_years",
    }
    if key not in names and key != "filter:complete_options:v2":
        return _UNKNOWN
    fo = read_json("locations/filter_options.json", m)
    if key in names:
        return list(fo[names[key]])
    return {"technologies": list(fo["technologies"]), "companies": list(fo["companies"]), "auction_years": list(fo["auction_years"])}


def cmu_dataframe_value(m: Manifest) -> str:
    """``cmu_dataframe_v1``: ``base64.b64encode(pickle.dumps(frame)).decode()``
    of the frame of ``cmu/cmus.json`` (read without pyarrow), as
    ``get_cmu_dataframe`` stores it."""
    df = read_table("cmu/cmus", m, engine="json")
    return base64.b64encode(pickle.dumps(df)).decode("ascii")


def bake_answers(f: Family, body: str) -> Any:
    """None when the bake cannot give key ``body`` of "bake" family ``f``
    exactly, else what its value depends on (keys with equal answers share one
    built value: ``company_list_bogus_desc`` is ``company_list_capacity_desc``).
    Decided from the key alone: nothing is read."""
    if f.name.startswith("company_list_"):
        how = _sort_kinds(body[len(f.prefix) :], ("name", "locations", "components"))
        return None if how is None else (f.name, how)
    if f.name.startswith("technology_list_v3_"):
        how = _sort_kinds(body[len(f.prefix) :], ("locations", "components"))
        return None if how is None else (f.name, how)
    if f.name == "filter:*":
        return body if body in ("filter:technologies:v1", "filter:companies:v2", "filter:auction_years:v1", "filter:complete_options:v2") else None
    return body if f.name in ("cmu_dataframe_v1", "cmu_to_company_mapping") else None


def bake_value(m: Manifest, f: Family, body: str) -> Any:
    """The app's value of key ``body`` of family ``f``, or ``_UNKNOWN``."""
    if f.name == "cmu_dataframe_v1":
        return cmu_dataframe_value(m)
    if f.name == "cmu_to_company_mapping":
        return cmu_to_company_mapping(m)
    if f.name.startswith("company_list_"):
        return company_list_value(m, body[len(f.prefix) :])
    if f.name.startswith("technology_list_v3_"):
        return technology_list_value(m, body[len(f.prefix) :])
    if f.name == "filter:*":
        return filter_value(m, body)
    return _UNKNOWN


# --- stores shared by the process's backend instances --------------------------


@dataclass(frozen=True)
class _Pickled:
    data: bytes


#: What an entry of :class:`ByteBoundLRU` costs beside its value and key
#: texts: the ordered dict's slot and node, the entry tuple, its expiry and
#: size objects (about 250 bytes on CPython 3.11, measured with tracemalloc).
ENTRY_BYTES = 256


def _entry_bytes(key: Any, body: str) -> int:
    return ENTRY_BYTES + (sys.getsizeof(key) if isinstance(key, str) else 0) + (sys.getsizeof(body) if body else 0)


class ByteBoundLRU:
    """A thread-safe map of ``key -> (value, expiry, body, version)`` holding
    entries of at most ``max_bytes`` in all (an entry's size: its value's
    length, or the ``size`` given, plus its key and body texts and
    :data:`ENTRY_BYTES`), the least recently used dropped
    first; a value larger than ``max_item`` (default a quarter of the bound) is
    not kept (a miss, as after an eviction). Written here because Django's LocMemCache bounds
    entries, not bytes, and the point is a memory bound."""

    def __init__(self, max_bytes: int, max_item: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_item = max_bytes // 4 if max_item is None else max_item
        self.used = 0
        self._d: OrderedDict[Any, tuple[Any, float | None, str, Any, int]] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, key: Any) -> Any:
        with self._lock:
            e = self._d.get(key)
            if e is None:
                return None
            if e[1] is not None and e[1] <= time.time():
                self._drop(key)
                return None
            self._d.move_to_end(key)
            return e[0]

    def put(self, key: Any, data: Any, expiry: float | None, body: str = "", version: Any = None, size: int | None = None) -> bool:
        # The entry's own cost counts too: a request-keyed key can carry the
        # request's text (the app's search keys do) beside a 5-byte value.
        n = (len(data) if size is None else size) + _entry_bytes(key, body)
        with self._lock:
            self._drop(key)
            if expiry is not None and expiry <= time.time():
                return True  # Django: a timeout of 0 or less expires at once
            if n > self.max_item:
                return False
            self._d[key] = (data, expiry, body, version, n)
            self.used += n
            while self.used > self.max_bytes:
                self._drop(next(iter(self._d)))
            return True

    def expiry(self, key: Any) -> tuple[bool, float | None]:
        with self._lock:
            if self.get(key) is None:
                return False, None
            return True, self._d[key][1]

    def set_expiry(self, key: Any, expiry: float | None) -> bool:
        with self._lock:
            if self.get(key) is None:
                return False
            data, _, body, version, n = self._d[key]
            self._d[key] = (data, expiry, body, version, n)
            return True

    def _drop(self, key: Any) -> bool:
        e = self._d.pop(key, None)
        if e is None:
            return False
        self.used -= e[4]
        return True

    def delete(self, key: Any) -> bool:
        with self._lock:
            return self._drop(key)

    def matching(self, pred: Callable[[str, Any], bool]) -> list[Any]:
        with self._lock:
            now = time.time()
            return [k for k, e in self._d.items() if (e[1] is None or e[1] > now) and pred(e[2], e[3])]

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self.used = 0

    def __len__(self) -> int:
        return len(self._d)


_stores: dict[Any, ByteBoundLRU] = {}
_stores_lock = threading.Lock()


def _store(name: Any, max_bytes: int, max_item: int | None = None) -> ByteBoundLRU:
    with _stores_lock:
        s = _stores.get(name)
        if s is None:
            s = _stores[name] = ByteBoundLRU(max_bytes, max_item)
        return s


_bake_failed = False
_build_lock = threading.Lock()
_unbuildable: set[Any] = set()  # (build id, key) whose value failed to build: Redis serves them


def _bake_manifest() -> Manifest | None:
    """The manifest the app loaded (``prebake.django``), or None when it cannot
    be loaded (logged once; ``manage.py check`` says why)."""
    global _bake_failed
    from . import get_manifest

    try:
        return get_manifest()
    except ImproperlyConfigured as e:
        if not _bake_failed:
            logger.error("prebake: the bake is unavailable, its cache families pass through to the wrapped backend: %s", e)
            _bake_failed = True
        return None


class PrebakeCache(BaseCache):
    """The app's cache backend with the replaced families served from the bake
    (see the module docstring for the settings and the three treatments).

    ``params`` are ``CACHES["default"]`` without ``BACKEND`` and ``LOCATION``
    (Django's cache handler); ``PREBAKE_WRAPPED_BACKEND`` (required) is the
    dotted path of the wrapped backend class, which gets ``location`` and the
    other params, ``PREBAKE_PROCESS_MAX_BYTES`` and ``PREBAKE_BAKE_MAX_BYTES``
    (optional) bound the two per-process stores. Raises
    ``ImproperlyConfigured`` when the wrapped backend is missing, cannot be
    imported, or is this class."""

    def __init__(self, location: str, params: Mapping[str, Any]) -> None:
        params = dict(params)
        wrapped = params.pop(WRAPPED, None)
        process_max = int(params.pop("PREBAKE_PROCESS_MAX_BYTES", 4 << 20))
        bake_max = int(params.pop("PREBAKE_BAKE_MAX_BYTES", 12 << 20))
        if not wrapped or not isinstance(wrapped, str):
            raise ImproperlyConfigured(f"prebake.django.cache.PrebakeCache needs {WRAPPED} in the same CACHES entry: the dotted path of the backend it wraps, e.g. 'django_redis.cache.RedisCache'")
        try:
            cls = import_string(wrapped)
        except ImportError as e:
            raise ImproperlyConfigured(f"{WRAPPED} {wrapped!r} cannot be imported: {e}") from e
        if isinstance(cls, type) and issubclass(cls, PrebakeCache):
            raise ImproperlyConfigured(f"{WRAPPED} {wrapped!r} is PrebakeCache itself: name the backend the app had")
        super().__init__(params)
        self._wrapped = cls(location, params)
        # One store per process and cache (threads get their own backend instance).
        ident = (wrapped, location, self.key_prefix)
        self._process = _store(("process",) + ident, process_max)
        self._bake = _store(("bake",) + ident, bake_max, bake_max)

    # -- sorting keys ------------------------------------------------------

    def _route(self, key: Any, version: Any = None, build: bool = False) -> tuple[str, Any]:
        """(treatment, value) of ``key``; with ``build``, the value of a "bake"
        key (built, or taken from the memo), else _UNKNOWN: only get builds."""
        if not isinstance(key, str):
            return REDIS, _UNKNOWN
        f = family_of(key)
        if f is None or f.backend == REDIS:
            return REDIS, _UNKNOWN
        if f.backend == PROCESS:
            return PROCESS, _UNKNOWN
        m = _bake_manifest()
        if m is None:
            return REDIS, _UNKNOWN
        answer = bake_answers(f, key)
        if answer is None:
            return PROCESS, _UNKNOWN
        memo_key = (m.build_id, answer)
        if memo_key in _unbuildable:
            return REDIS, _UNKNOWN
        if not build:
            return BAKE, _UNKNOWN
        data = self._bake.get(memo_key)
        if data is not None:
            return BAKE, data
        # One build at a time: threads asking for the frame together would
        # each hold its transient copies (the memory budget).
        with _build_lock:
            data = self._bake.get(memo_key)
            if data is not None:
                return BAKE, data
            try:
                value = bake_value(m, f, key)
            except Exception:  # a damaged bake must not fail the app's request
                _unbuildable.add(memo_key)
                logger.exception("prebake: cannot build %r from the bake (build %s); passed through to the wrapped backend", key, m.build_id)
                return REDIS, _UNKNOWN
            if value is _UNKNOWN:
                return PROCESS, _UNKNOWN
            # Strings (the frame's base64, the lists' JSON) are immutable: kept
            # and returned as they are; other values pickled, so that each get
            # returns a fresh copy, as from Redis.
            stored = value if isinstance(value, str) else _Pickled(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
            self._bake.put(memo_key, stored, None, key, size=len(stored.data) if isinstance(stored, _Pickled) else len(value))
            return BAKE, stored

    @staticmethod
    def _unmemo(stored: Any) -> Any:
        return pickle.loads(stored.data) if isinstance(stored, _Pickled) else stored

    def _pkey(self, key: str, version: Any) -> str:
        return self.make_key(key, version=version)

    def _pversion(self, version: Any) -> Any:
        return self.version if version is None else version

    # -- the cache API ---------------------------------------------------------

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        how, data = self._route(key, version, build=True)
        if how == BAKE:
            return self._unmemo(data)
        if how == PROCESS:
            raw = self._process.get(self._pkey(key, version))
            return default if raw is None else pickle.loads(raw)
        return self._wrapped.get(key, default, version=version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        how, _ = self._route(key, version)
        if how == BAKE:
            return True  # served from the bake: never written
        if how == PROCESS:
            return self._process.put(self._pkey(key, version), pickle.dumps(value, pickle.HIGHEST_PROTOCOL), self.get_backend_timeout(timeout), key, self._pversion(version))
        return self._wrapped.set(key, value, timeout=timeout, version=version)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        how, _ = self._route(key, version)
        if how == BAKE:
            return False  # the key holds the bake's value
        if how == PROCESS:
            with self._process._lock:
                if self._process.get(self._pkey(key, version)) is not None:
                    return False
                return self._process.put(self._pkey(key, version), pickle.dumps(value, pickle.HIGHEST_PROTOCOL), self.get_backend_timeout(timeout), key, self._pversion(version))
        return bool(self._wrapped.add(key, value, timeout=timeout, version=version))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        how, _ = self._route(key, version)
        if how == BAKE:
            return True
        if how == PROCESS:
            return self._process.set_expiry(self._pkey(key, version), self.get_backend_timeout(timeout))
        return bool(self._wrapped.touch(key, timeout=timeout, version=version))

    def delete(self, key: Any, version: Any = None) -> bool:
        how, _ = self._route(key, version)
        gone = False
        if how == PROCESS:
            gone = self._process.delete(self._pkey(key, version))
        # Also in Redis: keys written there before the switch-over.
        return bool(self._wrapped.delete(key, version=version)) or gone

    def has_key(self, key: Any, version: Any = None) -> bool:
        how, _ = self._route(key, version)
        if how == BAKE:
            return True
        if how == PROCESS:
            return self._process.get(self._pkey(key, version)) is not None
        return bool(self._wrapped.has_key(key, version=version))

    def get_many(self, keys: Iterable[Any], version: Any = None) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        passed = []
        missing = object()
        for k in keys:
            how, _ = self._route(k, version)
            if how == REDIS:
                passed.append(k)
                continue
            v = self.get(k, missing, version=version)
            if v is not missing:
                out[k] = v
        if passed:
            out.update(self._wrapped.get_many(passed, version=version))
        return out

    def set_many(self, data: Mapping[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        passed = {}
        failed: list[Any] = []
        for k, v in data.items():
            how, _ = self._route(k, version)
            if how == REDIS:
                passed[k] = v
            elif how == PROCESS and not self.set(k, v, timeout=timeout, version=version):
                failed.append(k)
        if passed:
            failed.extend(self._wrapped.set_many(passed, timeout=timeout, version=version) or [])
        return failed

    def delete_many(self, keys: Iterable[Any], version: Any = None) -> Any:
        keys = list(keys)
        for k in keys:
            if self._route(k, version)[0] == PROCESS:
                self._process.delete(self._pkey(k, version))
        return self._wrapped.delete_many(keys, version=version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        how, data = self._route(key, version)
        if how == BAKE:
            raise ValueError(f"Key '{key}' holds the bake's value, which is not a number")
        if how == PROCESS:
            with self._process._lock:
                pkey = self._pkey(key, version)
                raw = self._process.get(pkey)
                if raw is None:
                    raise ValueError(f"Key '{key}' not found")
                value = pickle.loads(raw) + delta
                _, expiry = self._process.expiry(pkey)
                self._process.put(pkey, pickle.dumps(value, pickle.HIGHEST_PROTOCOL), expiry, key, self._pversion(version))
                return value
        return self._wrapped.incr(key, delta, version=version)

    def decr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        return self.incr(key, -delta, version=version)

    def clear(self) -> Any:
        self._process.clear()
        self._bake.clear()
        return self._wrapped.clear()

    def close(self, **kwargs: Any) -> Any:
        return self._wrapped.close(**kwargs)

    # -- django-redis extras, when the wrapped backend has them -------------

    def _process_keys(self, pattern: str, version: Any) -> list[Any]:
        v = self._pversion(version)
        return self._process.matching(lambda body, ver: ver == v and fnmatch.fnmatchcase(body, pattern))

    def _bodies(self, pkeys: list[Any]) -> list[str]:
        with self._process._lock:
            return [self._process._d[k][2] for k in pkeys if k in self._process._d]

    def __getattr__(self, name: str) -> Any:
        # Only for names BaseCache lacks; "_wrapped" itself must not recurse.
        if name.startswith("__") or name == "_wrapped":
            raise AttributeError(name)
        target = getattr(self._wrapped, name)  # AttributeError when the wrapped backend has none
        extra = {"keys": self._keys, "iter_keys": self._iter_keys, "delete_pattern": self._delete_pattern, "ttl": self._ttl}.get(name)
        return extra if extra is not None else target

    def _keys(self, search: str, version: Any = None, **kwargs: Any) -> list[Any]:
        found = list(self._wrapped.keys(search, version=version, **kwargs))
        seen = set(found)
        return found + [b for b in self._bodies(self._process_keys(search, version)) if b not in seen]

    def _iter_keys(self, search: str, itersize: Any = None, version: Any = None, **kwargs: Any) -> Iterator[Any]:
        seen = set()
        for k in self._wrapped.iter_keys(search, itersize=itersize, version=version, **kwargs):
            seen.add(k)
            yield k
        for b in self._bodies(self._process_keys(search, version)):
            if b not in seen:
                yield b

    def _delete_pattern(self, pattern: str, version: Any = None, **kwargs: Any) -> int:
        n = 0
        for k in self._process_keys(pattern, version):
            n += self._process.delete(k)
        return n + int(self._wrapped.delete_pattern(pattern, version=version, **kwargs) or 0)

    def _ttl(self, key: Any, version: Any = None, **kwargs: Any) -> Any:
        how, _ = self._route(key, version)
        if how == BAKE:
            return None  # never expires (django-redis: None = no expiry)
        if how == PROCESS:
            ok, expiry = self._process.expiry(self._pkey(key, version))
            if not ok:
                return 0  # django-redis: 0 for a missing key
            return None if expiry is None else max(0, int(expiry - time.time()))
        return self._wrapped.ttl(key, version=version, **kwargs)
