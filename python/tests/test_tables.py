"""Tables into pandas: the app's cmu_dataframe_v1 and cmu_to_company_mapping,
exactly, with and without pyarrow."""

from __future__ import annotations

import glob
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import prebake

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
    with pytest.raises(prebake.ManifestError, match="record 0: column 'i' is null but not nullable"):
        prebake.frame_from_records([{"i": None}], [cols[1]])
    with pytest.raises(prebake.ManifestError, match="column 'i'"):
        prebake.frame_from_records([{"i": "x"}], [cols[1]])
