"""Tables of a bake as pandas DataFrames, and JSON assets as Python values.

A table (``cmu/cmus``, ``cmu/components``, ``cmu/companies``) is written three
ways by one bake: Parquet, Arrow IPC and JSON records. :func:`read_table` reads
the Parquet file through pyarrow when pyarrow is installed, else the JSON
records, and both paths give the same frame (``pandas.testing.assert_frame_equal``):
strings as ``object`` columns with ``None`` for null, ``int64`` columns as
``int64`` (``float64`` with ``NaN`` when the column holds a null, as pyarrow
converts them), ``float64`` as ``float64``, ``bool`` as ``bool`` (``object``
when it holds a null), and a ``RangeIndex``.

``read_table("cmu/cmus")`` is the app's ``cmu_dataframe_v1`` frame and
:func:`cmu_to_company_mapping` its ``cmu_to_company_mapping``; the rules are in
``generators/cmu/README.md`` and ``../shared/docs/app-integration.md``.
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

    Raises :class:`KeyError` when the bake has no such table, ImportError
    (saying to install ``prebake[parquet]``) when ``engine="pyarrow"`` and
    pyarrow cannot be imported.
    """
    m = _manifest(manifest)
    if engine is None:
        engine = "pyarrow" if have_pyarrow() else "json"
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
        entry = m.asset(name + ".json")
        columns = entry.get("columns")
        if not columns:
            raise ManifestError(f"{name}.json: the manifest lists no columns, so it is not a table")
        records = json.loads(m.read_bytes(name + ".json", verify=verify))
        return frame_from_records(records, columns, what=f"{name}.json")
    raise ValueError(f"engine {engine!r}: use 'pyarrow', 'json' or None")


def frame_from_records(records: Sequence[Mapping[str, Any]], columns: Sequence[Mapping[str, Any]], *, what: str = "records") -> pd.DataFrame:
    """A DataFrame of JSON ``records`` typed by the manifest's ``columns``
    (``[{"name", "type", "nullable"}]``), with pyarrow's ``to_pandas`` dtypes
    (see the module docstring).

    Raises :class:`ManifestError` naming the record and column when a value
    does not fit its column's type.
    """
    import numpy as np
    import pandas as pd

    out: dict[str, Any] = {}
    for c in columns:
        col, typ = str(c["name"]), str(c["type"])
        values = [r.get(col) for r in records]
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
    return pd.DataFrame(out, index=pd.RangeIndex(len(records)))


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
