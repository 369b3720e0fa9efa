"""Tables into pandas: the app's cmu_dataframe_v1 and cmu_to_company_mapping,
exactly, with and without pyarrow."""

from __future__ import annotations

import glob
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import prebake
from conftest import write_bake

SRC = Path(__file__).resolve().parents[1] / "src"


def normalize(text):
    """The app's normalize() (checker/utils.py), as ../shared/docs/app-integration.md states it."""
    if not isinstance(text, str):
        return ""
    return "".join(text.lower().split())


def app_frame(register: Path) -> pd.DataFrame:
    """cmu_dataframe_v1 built from the register's component rows with the rules
    of app-integration.md, written from them and not from prebake's code: the
    components (de-duplicated by _id, first file in sorted order wins, as the
    bake reads them) give their distinct (CMU ID, Company Name, Delivery Year as
    a string, Auction Name); newest year first, ties by CMU ID, name, auction;
    then the app's own construction of the frame (data_access.py)."""
    seen: dict[int, dict] = {}
    for f in sorted(glob.glob(str(register / "components_*.json"))):
        with open(f, encoding="utf-8") as fh:
            for rows in json.load(fh).values():
                for r in rows:
                    seen.setdefault(r["_id"], r)
    distinct = {(r["CMU ID"], r["Company Name"], str(r["Delivery Year"]), r["Auction Name"]) for r in seen.values()}
    ordered = sorted(distinct, key=lambda t: (t[0], t[1], t[3]))
    ordered.sort(key=lambda t: t[2], reverse=True)  # stable: ORDER BY delivery_year DESC
    df = pd.DataFrame(
        [{"CMU ID": c, "Name of Applicant": n, "Full Name": n, "Delivery Year": y, "Auction Name": a} for c, n, y, a in ordered]
    )
    df["Normalized Full Name"] = df["Full Name"].apply(normalize)
    df["Normalized CMU ID"] = df["CMU ID"].apply(normalize)
    return df


def app_mapping(df: pd.DataFrame) -> dict[str, str]:
    """cmu_to_company_mapping as the app builds it from its frame."""
    m = {}
    for _, row in df.iterrows():
        cmu_id = row.get("CMU ID", "").strip()
        if cmu_id and cmu_id != "N/A":
            m[cmu_id] = row.get("Full Name", "")
    return m


@pytest.fixture(scope="module")
def manifest(real_bake) -> prebake.Manifest:
    return prebake.load(real_bake.manifest, out_dir=real_bake.out)


@pytest.fixture(scope="module")
def expected(real_bake) -> pd.DataFrame:
    return app_frame(real_bake.register)


def test_cmus_is_the_apps_frame(manifest, expected) -> None:
    got = prebake.read_table("cmu/cmus", manifest, engine="pyarrow")
    assert_frame_equal(got, expected)
    assert len(got) == 10398
    # what the app's code does with it works
    assert (got["Delivery Year"] == "2024").sum() > 0
    assert got["Delivery Year"].str.strip().str.startswith("20").all()


def test_cmus_json_engine(manifest, expected) -> None:
    assert_frame_equal(prebake.read_table("cmu/cmus", manifest, engine="json"), expected)


def test_cmus_json_is_pandas_split(manifest, expected) -> None:
    """The JSON file is pandas' split orientation: pandas itself reads it
    into the app's frame (strings kept strings with dtype=False)."""
    got = pd.read_json(manifest.path("cmu/cmus.json"), orient="split", dtype=False)
    assert_frame_equal(got, expected)


def test_mapping_is_the_apps(manifest, expected) -> None:
    got = prebake.cmu_to_company_mapping(manifest)
    want = app_mapping(expected)
    assert got == want
    # a CMU with two names in its oldest year: the last in the frame's order wins
    assert got["KED221"] == want["KED221"]


@pytest.mark.parametrize("name", ["cmu/cmus", "cmu/companies"])
def test_engines_agree(manifest, name: str) -> None:
    a = prebake.read_table(name, manifest, engine="pyarrow")
    b = prebake.read_table(name, manifest, engine="json")
    assert_frame_equal(a, b)
    assert len(a) == manifest.asset(name + ".parquet")["rows"]
    assert list(a.columns) == [c["name"] for c in manifest.asset(name + ".parquet")["columns"]]


def test_components_parquet_only(manifest) -> None:
    """cmu/components has no JSON file: pyarrow reads it; engine="json" is a
    TableFormatError that says which files exist and what to install."""
    assert "cmu/components.json" not in manifest.assets
    df = prebake.read_table("cmu/components", manifest, engine="pyarrow")
    assert len(df) == manifest.asset("cmu/components.parquet")["rows"] == 18879
    assert list(df.columns) == [c["name"] for c in manifest.asset("cmu/components.parquet")["columns"]]
    with pytest.raises(prebake.TableFormatError) as e:
        prebake.read_table("cmu/components", manifest, engine="json")
    for want in ["only as Parquet and Arrow", "cmu/components.parquet", "engine='pyarrow'", "pip install 'prebake[parquet]'"]:
        assert want in str(e.value)


def test_without_pyarrow(real_bake, expected, tmp_path: Path) -> None:
    """In a process where pyarrow cannot be imported (as in the app today),
    read_table falls back to the JSON records and gives the same frame."""
    out = tmp_path / "frame.pickle"
    code = f"""
import sys
sys.modules["pyarrow"] = None  # any import of pyarrow now raises ImportError
sys.path.insert(0, {str(SRC)!r})
import pickle, prebake
assert not prebake.have_pyarrow()
m = prebake.load({str(real_bake.manifest)!r}, out_dir={str(real_bake.out)!r})
df = prebake.read_table("cmu/cmus", m)
assert "pyarrow" not in {{k for k, v in sys.modules.items() if v is not None}}
with open({str(out)!r}, "wb") as f:
    pickle.dump((df, prebake.cmu_to_company_mapping(m)), f)
"""
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": ""})
    with open(out, "rb") as f:
        df, mapping = pickle.load(f)
    assert_frame_equal(df, expected)
    assert mapping == app_mapping(expected)


def test_pyarrow_engine_without_pyarrow_is_an_import_error(tmp_path: Path) -> None:
    """engine="pyarrow" in a process where pyarrow cannot be imported is an
    ImportError saying what to install (and the JSON engine), chained to the
    import's own error; no file is read first (the committed manifest, no out_dir)."""
    manifest = Path(SRC).parents[1] / "cmd" / "prebake" / "testdata" / "sample-manifest.json"
    code = f"""
import sys
sys.modules["pyarrow"] = None  # any import of pyarrow now raises ImportError
sys.path.insert(0, {str(SRC)!r})
import prebake
m = prebake.load({str(manifest)!r})
try:
    prebake.read_table("cmu/cmus", m, engine="pyarrow")
except ImportError as e:
    assert type(e) is ImportError, type(e)
    assert isinstance(e.__cause__, ImportError), e.__cause__
    print(e)
    sys.exit(0)
sys.exit(3)
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    assert p.returncode == 0, p.stderr
    msg = p.stdout.strip()
    for want in ["read_table('cmu/cmus', engine='pyarrow')", "pip install 'prebake[parquet]'", "pyarrow", "engine='json'"]:
        assert want in msg, msg


def test_components_without_pyarrow_is_an_import_error(real_bake) -> None:
    """Where pyarrow cannot be imported (as in the app), read_table of the
    Parquet-only components table is an ImportError saying so and what to
    install, not a fall-back to a JSON file that does not exist."""
    code = f"""
import sys
sys.modules["pyarrow"] = None
sys.path.insert(0, {str(SRC)!r})
import prebake
m = prebake.load({str(real_bake.manifest)!r}, out_dir={str(real_bake.out)!r})
try:
    prebake.read_table("cmu/components", m)
except ImportError as e:
    print(e)
    sys.exit(0)
sys.exit(3)
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    assert p.returncode == 0, p.stderr
    for want in ["read_table('cmu/components')", "only as Parquet and Arrow", "cmu/components.parquet", "cmu/components.arrow", "pip install 'prebake[parquet]'"]:
        assert want in p.stdout, p.stdout


def test_frame_from_split() -> None:
    cols = [{"name": "s", "type": "string", "nullable": True}, {"name": "i", "type": "int64", "nullable": True}]
    df = prebake.frame_from_split({"columns": ["s", "i"], "data": [["a", None], [None, 3]]}, cols)
    assert [str(t) for t in df.dtypes] == ["object", "float64"]
    assert df["s"].tolist() == ["a", None] and df["i"].tolist()[1] == 3.0
    with pytest.raises(prebake.ManifestError, match="columns"):
        prebake.frame_from_split({"columns": ["i", "s"], "data": []}, cols)
    with pytest.raises(prebake.ManifestError, match="row 1 is not a list of 2 values"):
        prebake.frame_from_split({"columns": ["s", "i"], "data": [["a", 1], ["b"]]}, cols)


def test_frame_from_records_types() -> None:
    cols = [
        {"name": "s", "type": "string", "nullable": True},
        {"name": "i", "type": "int64", "nullable": False},
        {"name": "j", "type": "int64", "nullable": True},
        {"name": "f", "type": "float64", "nullable": True},
        {"name": "b", "type": "bool", "nullable": False},
        {"name": "c", "type": "bool", "nullable": True},
    ]
    df = prebake.frame_from_records([{"s": "a", "i": 1, "j": None, "f": 1.5, "b": True, "c": None}, {"s": None, "i": 2, "j": 3, "f": None, "b": False, "c": True}], cols)
    assert [str(t) for t in df.dtypes] == ["object", "int64", "float64", "float64", "bool", "object"]
    assert df["s"].tolist() == ["a", None]
    with pytest.raises(prebake.ManifestError, match="row 0: column 'i' is null but not nullable"):
        prebake.frame_from_records([{"i": None}], [cols[1]])
    with pytest.raises(prebake.ManifestError, match="column 'i'"):
        prebake.frame_from_records([{"i": "x"}], [cols[1]])


# Issue 24 item 6: the JSON engine converts nothing to fit a column.
COLS = [
    {"name": "s", "type": "string", "nullable": False},
    {"name": "i", "type": "int64", "nullable": False},
    {"name": "j", "type": "int64", "nullable": True},
    {"name": "f", "type": "float64", "nullable": False},
    {"name": "g", "type": "float64", "nullable": True},
    {"name": "b", "type": "bool", "nullable": False},
    {"name": "c", "type": "bool", "nullable": True},
]
GOOD = ["a", 1, None, 1.5, None, True, None]
NOT_INT = "not a whole number in int64's range"
NOT_FLOAT = "not a finite number that float64 holds exactly"
NOT_BOOL = "not true or false"
NULL = "is null but not nullable"
BAD_VALUES = [
    ("i", 1.9, NOT_INT), ("i", 1.0, NOT_INT), ("i", 1e3, NOT_INT), ("i", True, NOT_INT), ("i", "1", NOT_INT),
    ("i", 2**63, NOT_INT), ("i", -(2**63) - 1, NOT_INT), ("i", 10**30, NOT_INT), ("i", [1], NOT_INT), ("i", {"v": 1}, NOT_INT),
    ("i", None, NULL), ("j", 1.5, NOT_INT), ("j", 2**64, NOT_INT), ("j", False, NOT_INT),
    ("f", "1.5", NOT_FLOAT), ("f", "NaN", NOT_FLOAT), ("f", float("nan"), NOT_FLOAT), ("f", float("inf"), NOT_FLOAT),
    ("f", float("-inf"), NOT_FLOAT), ("f", True, NOT_FLOAT), ("f", 2**53 + 1, NOT_FLOAT), ("f", 10**400, NOT_FLOAT),
    ("f", [1.5], NOT_FLOAT), ("f", None, NULL), ("g", "", NOT_FLOAT), ("g", {"x": 1.0}, NOT_FLOAT),
    ("b", 0, NOT_BOOL), ("b", 1, NOT_BOOL), ("b", "no", NOT_BOOL), ("b", "true", NOT_BOOL), ("b", 1.0, NOT_BOOL),
    ("b", [True], NOT_BOOL), ("b", None, NULL), ("c", 1, NOT_BOOL), ("c", "false", NOT_BOOL),
    ("s", [1], "not a string"), ("s", {"a": 1}, "not a string"), ("s", 1, "not a string"), ("s", True, "not a string"),
    ("s", 1.5, "not a string"), ("s", None, NULL),
]


def _rows(col: str, value: object) -> list[list[object]]:
    rows = [list(GOOD), list(GOOD), list(GOOD)]
    rows[2][[c["name"] for c in COLS].index(col)] = value
    return rows


@pytest.mark.parametrize("col, value, why", BAD_VALUES, ids=lambda v: repr(v)[:20])
def test_json_values_are_not_converted(col: str, value: object, why: str) -> None:
    """The value in row 2 does not fit: an error naming table, row and column,
    through the split reader and the records reader alike."""
    names = [c["name"] for c in COLS]
    rows = _rows(col, value)
    want = re.escape(f"t.json: row 2: column {col!r}") + ".*" + re.escape(why)
    with pytest.raises(prebake.ManifestError, match=want):
        prebake.frame_from_split({"columns": names, "data": rows}, COLS, what="t.json")
    with pytest.raises(prebake.ManifestError, match=want):
        prebake.frame_from_records([dict(zip(names, r)) for r in rows], COLS, what="t.json")


def test_json_values_that_fit() -> None:
    """The edges that are accepted: int64's bounds, whole numbers in float64
    columns (Go writes 2.0 as 2), 2**53, -0.0, empty and "NaN" strings."""
    names = [c["name"] for c in COLS]
    rows = [
        ["", 2**63 - 1, -(2**63), 3, 2**53, False, False],
        ["NaN", -(2**63), None, -0.0, 1e308, True, True],
    ]
    df = prebake.frame_from_split({"columns": names, "data": rows}, COLS)
    assert [str(t) for t in df.dtypes] == ["object", "int64", "float64", "float64", "float64", "bool", "bool"]
    assert df["i"].tolist() == [2**63 - 1, -(2**63)]
    assert df["f"].tolist() == [3.0, -0.0] and df["g"].tolist() == [2.0**53, 1e308]
    assert df["s"].tolist() == ["", "NaN"]


def test_records_must_be_objects_with_every_column() -> None:
    with pytest.raises(prebake.ManifestError, match=r"t.json: row 1: column 'i' is missing"):
        prebake.frame_from_records([dict(zip([c["name"] for c in COLS], GOOD)), {"s": "a"}], COLS, what="t.json")
    with pytest.raises(prebake.ManifestError, match=r"t.json: row 0 is not an object"):
        prebake.frame_from_records([["a"]], COLS, what="t.json")  # type: ignore[list-item]


BAD_JSON_TEXT = [  # what a file can hold that Python values above cannot show
    ('"i"', "1.9", NOT_INT), ('"i"', "99999999999999999999", NOT_INT), ('"i"', "1e2", NOT_INT),
    ('"f"', "NaN", NOT_FLOAT), ('"f"', "Infinity", NOT_FLOAT), ('"f"', "1e400", NOT_FLOAT), ('"f"', '"NaN"', NOT_FLOAT),
    ('"b"', "0", NOT_BOOL), ('"b"', '"no"', NOT_BOOL), ('"s"', "[1]", "not a string"), ('"s"', '{"a": null}', "not a string"),
]


def _table_bake(root: Path, col: str, text: str) -> Path:
    names = [c["name"] for c in COLS]
    row = json.dumps(GOOD)[1:-1].split(", ")
    row[names.index(json.loads(col))] = text
    body = ('{"columns": ' + json.dumps(names) + ', "data": [' + json.dumps(GOOD) + ", [" + ", ".join(row) + "]]}").encode()
    m = write_bake(root, {"t.json": body}, {})
    data = json.loads(m.read_text())
    data["assets"]["t.json"]["columns"] = COLS
    m.write_text(json.dumps(data))
    return m


@pytest.mark.parametrize("col, text, why", BAD_JSON_TEXT)
def test_read_table_json_file(tmp_path: Path, col: str, text: str, why: str) -> None:
    """read_table(engine="json") on a bake's file: the error names the table
    file, row and column; the same with pyarrow importable or not."""
    m = _table_bake(tmp_path, col, text)
    want = f"t.json: row 1: column {col.strip(chr(34))!r}"
    with pytest.raises(prebake.ManifestError) as e:
        prebake.read_table("t", prebake.load(m, out_dir=tmp_path / "out"), engine="json")
    assert want in str(e.value) and why in str(e.value), e.value
    code = f"""
import sys
sys.modules["pyarrow"] = None
sys.path.insert(0, {str(SRC)!r})
import prebake
assert not prebake.have_pyarrow()
try:
    prebake.read_table("t", prebake.load({str(m)!r}, out_dir={str(tmp_path / "out")!r}))
except prebake.ManifestError as e:
    print(e)
    sys.exit(0)
sys.exit(3)
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str(e.value)
