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
when it holds a null), and a ``RangeIndex``.

``read_table("cmu/cmus")`` is the app's ``cmu_dataframe_v1`` frame and
:func:`cmu_to_company_mapping` its ``cmu_to_company_mapping``; the rules are in
``internal/generators/cmu/README.md`` and ``../shared/docs/app-integration.md``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
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

    Raises :class:`KeyError` when the bake has no such table, and
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

    Raises :class:`ManifestError` when the names differ from the manifest's,
    a row has the wrong number of values, or a value does not fit its column.
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

    Raises :class:`ManifestError` naming the record and column when a value
    does not fit its column's type.
    """
    return _frame({str(c["name"]): [r.get(str(c["name"])) for r in records] for c in columns}, columns, len(records), what)


def _frame(values_of: Mapping[str, list[Any]], columns: Sequence[Mapping[str, Any]], n: int, what: str) -> pd.DataFrame:
    """The DataFrame of each column's values, typed by ``columns``; ``record i``
    in an error is row i."""
    import numpy as np
    import pandas as pd

    out: dict[str, Any] = {}
    for c in columns:
        col, typ = str(c["name"]), str(c["type"])
        values = values_of[col]
        has_null = any(v is None for v in values)
        arr: Any
        if has_null and not c.get("nullable", False):
            i = next(i for i, v in enumerate(values) if v is None)
            raise ManifestError(f"{what}: record {i}: column {col!r} is null but not nullable")
        try:
            if typ == "string":
                arr = np.empty(len(values), dtype=object)
                arr[:] = values
            elif typ == "int64":
                arr = np.array([np.nan if v is None else v for v in values], dtype=np.float64) if has_null else np.array(values, dtype=np.int64)
            elif typ == "float64":
                arr = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            elif typ == "bool":
                if has_null:
                    arr = np.empty(len(values), dtype=object)
                    arr[:] = values
                else:
                    arr = np.array(values, dtype=bool)
            else:
                raise ManifestError(f"{what}: column {col!r}: unknown type {typ!r}")
        except (TypeError, ValueError) as e:
            raise ManifestError(f"{what}: column {col!r} ({typ}): {e}") from None
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
