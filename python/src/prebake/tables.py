"""Tables of a bake as pandas DataFrames, and JSON assets as Python values.

A table (``cmu/cmus``, ``cmu/components``, ``cmu/companies``) is written by one
bake as Parquet and Arrow IPC, and, except ``cmu/components``, as JSON in
pandas' "split" orientation (``{"columns": [...], "data": [[...], ...]}``,
which ``pandas.read_json(f, orient="split", dtype=False)`` also reads).
:func:`read_table` reads the Parquet file through pyarrow when pyarrow is
installed, else the JSON, and both paths give the same frame
(``pandas.testing.assert_frame_equal``):
strings as ``object`` columns with ``None`` for null, ``int64`` columns as
``int64`` (``float64`` with ``NaN`` when the column holds a null, as pyarrow
converts them), ``float64`` as ``float64``, ``bool`` as ``bool`` (``object``
when it holds a null), and a ``RangeIndex``. A JSON value that does not fit
its column (``1.9`` in an ``int64`` column, ``"no"`` in a ``bool`` one) is a
:class:`~prebake.manifest.ManifestError` naming the file, row and column,
never converted (:func:`frame_from_split` lists the rules).

``read_table("cmu/cmus")`` is the app's ``cmu_dataframe_v1`` frame and
:func:`cmu_to_company_mapping` its ``cmu_to_company_mapping``; the rules are in
``internal/generators/cmu/README.md`` and ``../shared/docs/app-integration.md``.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from .manifest import Manifest, ManifestError

if TYPE_CHECKING:
    import pandas as pd

Engine = Literal["pyarrow", "json"]


def have_pyarrow() -> bool:
    """True when ``pyarrow.parquet`` can be imported."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _manifest(m: Manifest | None) -> Manifest:
    if m is not None:
        return m
    from . import get_default

    return get_default()


def read_table(name: str, manifest: Manifest | None = None, *, engine: Engine | None = None, verify: bool = False) -> pd.DataFrame:
    """Read table ``name`` (``"cmu/cmus"``, without extension) into a DataFrame.

    ``engine``: ``"pyarrow"`` (the ``.parquet`` file), ``"json"`` (the
    ``.json`` records, no pyarrow needed) or ``None``: pyarrow when installed.
    ``manifest``: default :func:`prebake.get_default` (the one the Django app
    loaded at start-up). ``verify=True`` checks the file's SHA-256 first.

    Raises :class:`KeyError` when the bake has no such table;
    :class:`ManifestError` naming the table's file, row and column when a
    JSON value does not fit its column (no value is converted to fit: see
    :func:`frame_from_split`); and
    :class:`ImportError` (saying to install ``prebake[parquet]``) when pyarrow
    cannot be imported and ``engine="pyarrow"``, or ``engine`` is ``None`` and
    the table has no JSON file (``cmu/components`` is published only as
    Parquet and Arrow); :class:`TableFormatError` when ``engine="json"`` and the
    table has no JSON file.
    """
    m = _manifest(manifest)
    has_json = name + ".json" in m.assets
    if engine is None:
        if have_pyarrow():
            engine = "pyarrow"
        elif has_json or name + ".parquet" not in m.assets:
            engine = "json"  # (an unknown table: m.asset raises the KeyError below)
        else:
            raise ImportError(
                f"read_table({name!r}) needs pyarrow, which cannot be imported: {name} is published only as "
                f"Parquet and Arrow ({name}.parquet, {name}.arrow), with no JSON file. "
                "pip install 'prebake[parquet]' (or pyarrow)"
            )
    if engine == "pyarrow":
        try:
            import pyarrow.parquet as pq
        except ImportError as e:
            raise ImportError(
                f"read_table({name!r}, engine='pyarrow') needs pyarrow, which cannot be imported ({e}): "
                "pip install 'prebake[parquet]' (or pyarrow), or use engine='json' or engine=None"
            ) from e
        data = m.read_bytes(name + ".parquet", verify=verify)
        return pq.read_table(io.BytesIO(data)).to_pandas()
    if engine == "json":
        if not has_json and name + ".parquet" in m.assets:
            raise TableFormatError(
                f"read_table({name!r}, engine='json'): {name} is published only as Parquet and Arrow "
                f"({name}.parquet, {name}.arrow), with no JSON file; use engine='pyarrow' "
                "(pip install 'prebake[parquet]' or pyarrow)"
            )
        entry = m.asset(name + ".json")
        columns = entry.get("columns")
        if not columns:
            raise ManifestError(f"{name}.json: the manifest lists no columns, so it is not a table")
        value = json.loads(m.read_bytes(name + ".json", verify=verify))
        if isinstance(value, dict):
            return frame_from_split(value, columns, what=f"{name}.json")
        return frame_from_records(value, columns, what=f"{name}.json")  # a bake before split JSON
    raise ValueError(f"engine {engine!r}: use 'pyarrow', 'json' or None")


class TableFormatError(ManifestError):
    """The table is not published in the format asked for (``cmu/components``
    has no JSON file)."""


def frame_from_split(value: Mapping[str, Any], columns: Sequence[Mapping[str, Any]], *, what: str = "table") -> pd.DataFrame:
    """A DataFrame of a table's JSON in pandas' split orientation (``{"columns":
    [names], "data": [[values], ...]}``) typed by the manifest's ``columns``, as
    :func:`frame_from_records` does.

    Raises :class:`ManifestError`, naming ``what``, when the names differ from
    the manifest's, a row has the wrong number of values, or a value does not
    fit its column, naming the row (0-based) and the column. Nothing is
    converted to fit: a ``string`` value is a JSON string; ``int64`` a JSON
    integer from -2**63 to 2**63-1 (``1.9``, ``1.0`` and ``1e3`` are refused);
    ``float64`` a finite JSON number float64 holds exactly (``NaN``,
    ``Infinity`` and ``"1.5"`` are refused); ``bool`` ``true`` or ``false``
    (``0``, ``1``, ``"no"`` are refused); ``null`` only where the column is
    ``nullable``; an array or object nowhere.
    """
    names = value.get("columns")
    data = value.get("data")
    want = [str(c["name"]) for c in columns]
    if names != want:
        raise ManifestError(f"{what}: columns {names!r}, the manifest says {want!r}")
    if not isinstance(data, list):
        raise ManifestError(f"{what}: no \"data\" list")
    for i, row in enumerate(data):
        if not isinstance(row, list) or len(row) != len(want):
            raise ManifestError(f"{what}: row {i} is not a list of {len(want)} values")
    return _frame({n: [row[j] for row in data] for j, n in enumerate(want)}, columns, len(data), what)


def frame_from_records(records: Sequence[Mapping[str, Any]], columns: Sequence[Mapping[str, Any]], *, what: str = "records") -> pd.DataFrame:
    """A DataFrame of JSON ``records`` typed by the manifest's ``columns``
    (``[{"name", "type", "nullable"}]``), with pyarrow's ``to_pandas`` dtypes
    (see the module docstring).

    Raises :class:`ManifestError` naming the row (the record's position) and
    column when a record is not an object or lacks a column, and as
    :func:`frame_from_split` when a value does not fit its column.
    """
    names = [str(c["name"]) for c in columns]
    for i, r in enumerate(records):
        if not isinstance(r, Mapping):
            raise ManifestError(f"{what}: row {i} is not an object")
        for n in names:
            if n not in r:
                raise ManifestError(f"{what}: row {i}: column {n!r} is missing")
    return _frame({n: [r[n] for r in records] for n in names}, columns, len(records), what)


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _is_int64(v: Any) -> bool:
    return type(v) is int and _INT64_MIN <= v <= _INT64_MAX


def _is_float64(v: Any) -> bool:
    # A JSON number: Go writes a whole float64 without a point ("2"), so an int
    # is a float64 when float64 holds it exactly; NaN and Infinity are not JSON
    # (RFC 8259 §6; Python's json reads them, Go's cannot write them).
    if type(v) is float:
        return math.isfinite(v)
    if type(v) is int:
        try:
            return float(v) == v
        except OverflowError:
            return False
    return False


#: Per column type, what a JSON value must be: no value is converted to fit.
_FITS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "string": (lambda v: type(v) is str, "not a string"),
    "int64": (_is_int64, "not a whole number in int64's range (-2**63 .. 2**63-1; 1.0 and 1e3 are floats)"),
    "float64": (_is_float64, "not a finite number that float64 holds exactly"),
    "bool": (lambda v: type(v) is bool, "not true or false (0, 1 and strings are not booleans)"),
}


def _frame(values_of: Mapping[str, list[Any]], columns: Sequence[Mapping[str, Any]], n: int, what: str) -> pd.DataFrame:
    """The DataFrame of each column's values, typed by ``columns``.

    Every value must already be of its column's type (``_FITS``); the first
    one that is not (or a null in a column that is not nullable) is a
    :class:`ManifestError` naming ``what`` (the table's file), the row (0-based
    position in ``data`` or in the records) and the column."""
    import numpy as np
    import pandas as pd

    out: dict[str, Any] = {}
    for c in columns:
        col, typ = str(c["name"]), str(c["type"])
        if typ not in _FITS:
            raise ManifestError(f"{what}: column {col!r}: unknown type {typ!r}")
        fits, why = _FITS[typ]
        nullable = bool(c.get("nullable", False))
        values = values_of[col]
        # all() first: the whole column in one pass at C speed when it is
        # right, as it is in every bake; the loop only to name the bad row.
        if not all(fits(v) or (v is None and nullable) for v in values):
            for i, v in enumerate(values):
                if v is None and not nullable:
                    raise ManifestError(f"{what}: row {i}: column {col!r} is null but not nullable")
                if v is not None and not fits(v):
                    shown = repr(v) if len(repr(v)) <= 60 else repr(v)[:57] + "..."
                    raise ManifestError(f"{what}: row {i}: column {col!r} ({typ}): {shown} is {why}")
        has_null = any(v is None for v in values)
        arr: Any
        if typ == "string" or (typ == "bool" and has_null):
            arr = np.empty(len(values), dtype=object)
            arr[:] = values
        elif typ == "int64" and not has_null:
            arr = np.array(values, dtype=np.int64)
        elif typ == "bool":
            arr = np.array(values, dtype=bool)
        else:  # float64, or int64 with a null (NaN), as pyarrow's to_pandas gives
            arr = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        out[col] = arr
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def read_json(name: str, manifest: Manifest | None = None, *, verify: bool = False) -> Any:
    """The parsed content of JSON asset ``name`` (``"cmu/statistics.json"``)."""
    return json.loads(_manifest(manifest).read_bytes(name, verify=verify))


def cmu_to_company_mapping(manifest: Manifest | None = None) -> dict[str, str]:
    """The app's ``cmu_to_company_mapping``: ``{CMU ID: Full Name}``.

    Built by the bake as the app builds it: the CMU's name at its oldest
    delivery year; ids ``N/A`` and empty are left out.
    """
    value = read_json("cmu/cmu_to_company.json", manifest)
    if not isinstance(value, dict):
        raise ManifestError("cmu/cmu_to_company.json: not a JSON object")
    return value
