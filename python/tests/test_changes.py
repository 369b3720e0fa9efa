"""prebake.changes(): the changelog a bake writes against the bake it replaced
(changes/latest.json, docs/changes.md), read from two small sample bakes that
differ by known edits, and checked against `prebake diff --data --json`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import prebake
from prebake.changelog import ASSET, FORMAT

from conftest import write_bake

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}


def _bake(bin: Path, sample: Path, out: Path, manifest: Path) -> None:
    subprocess.run([str(bin), "build", "--quiet", "--force", "--source", str(sample / "synthetic_*.json"),
                    "--postcodes", str(sample / "synthetic_postcodes.csv"), "--out", str(out), "--manifest", str(manifest)],
                   check=True, env=ENV)


@pytest.fixture(scope="module")
def two_bakes(prebake_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, dict[str, int]]:
    """A sample bake, then the sample with one row renamed and one re-rated
    baked into the same output directory over it; returns the first
    manifest (a copy), the second, the output directory and the edited ids."""
    d = tmp_path_factory.mktemp("changes")
    sample = d / "sample"
    subprocess.run([str(prebake_bin), "sample", "--components", "200", "--seed", "3", "--out", str(sample)], check=True, env=ENV)
    out, manifest = d / "out", d / "manifest.json"
    _bake(prebake_bin, sample, out, manifest)
    first = d / "first.json"
    shutil.copy(manifest, first)
    # Edit two rows with a capacity whose _id appears once in the sample.
    files = sorted(sample.glob("synthetic_components_*.json"))
    count: dict[int, int] = {}
    for f in files:
        for rs in json.loads(f.read_text(encoding="utf-8")).values():
            for r in rs:
                if isinstance(r.get("_id"), int):  # the sample has rows without one (rejected)
                    count[r["_id"]] = count.get(r["_id"], 0) + 1
    edited: dict[str, int] = {}
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        rows = [r for rs in data.values() for r in rs if isinstance(r.get("De-Rated Capacity"), float) and count.get(r.get("_id", -1)) == 1]
        if len(rows) < 2:
            continue
        rows[0]["Company Name"] = rows[0]["Company Name"] + " RENAMED"
        rows[1]["De-Rated Capacity"] = rows[1]["De-Rated Capacity"] + 2.5
        edited = {"renamed": rows[0]["_id"], "rerated": rows[1]["_id"]}
        f.write_text(json.dumps(data), encoding="utf-8")
        break
    assert edited, "no sample file with two rows to edit"
    _bake(prebake_bin, sample, out, manifest)
    return first, manifest, out, edited


def test_changes_first_bake_is_against_nothing(two_bakes) -> None:
    first, _, out, _ = two_bakes
    m = prebake.load(first, out_dir=out)
    log = prebake.changes(m, verify=True)
    assert log["format"] == FORMAT and log["against_nothing"] is True and log["old_build_id"] is None
    assert log["new_build_id"] == m.build_id and log["note"]
    assert log["summary"]["touched"] == 0 and log["components"]["added"] == [] and log["components"]["moved"] == []


def test_changes_lists_the_edits(two_bakes, prebake_bin: Path) -> None:
    first, second, out, edited = two_bakes
    m, m0 = prebake.load(second, out_dir=out), prebake.load(first, out_dir=out)
    log = prebake.changes(m)
    assert log["old_build_id"] == m0.build_id and log["new_build_id"] == m.build_id and not log["against_nothing"]
    changed = {e["id"]: [f["field"] for f in e.get("fields", [])] for e in log["components"]["changed"]}
    assert changed == {edited["renamed"]: ["company_name"], edited["rerated"]: ["derated_capacity_mw"]}
    s = log["summary"]
    assert (s["added"], s["removed"], s["changed"], s["moved"], s["touched"]) == (0, 0, 2, 0, 2)
    assert s["touched_fraction"] == pytest.approx(2 / s["old_components"])
    # the same as `prebake diff --data --json` of the two manifests
    r = subprocess.run([str(prebake_bin), "diff", "--data", "--json", str(first), "--old-out", str(out), str(second), "--new-out", str(out)],
                       capture_output=True, text=True, env=ENV)
    assert r.returncode == 1, r.stderr
    assert json.loads(r.stdout) == log


def test_changes_errors(tmp_path: Path) -> None:
    m = prebake.load(write_bake(tmp_path / "a", {"cmu/statistics.json": b"{}"}, {}), out_dir=tmp_path / "a" / "out")
    with pytest.raises(prebake.ManifestError, match="no changes/latest.json"):
        prebake.changes(m)
    bad = {"format": "prebake-changes/0", "new_build_id": "0123456789abcdef"}
    m = prebake.load(write_bake(tmp_path / "b", {ASSET: json.dumps(bad).encode()}, {}), out_dir=tmp_path / "b" / "out")
    with pytest.raises(prebake.ManifestError, match="format 'prebake-changes/0'"):
        prebake.changes(m)
    other = {"format": FORMAT, "new_build_id": "ffffffffffffffff", "summary": {}, "components": {}, "cmus": {}, "rollups": {}}
    m = prebake.load(write_bake(tmp_path / "c", {ASSET: json.dumps(other).encode()}, {}), out_dir=tmp_path / "c" / "out")
    with pytest.raises(prebake.ManifestError, match="not of this manifest's build"):
        prebake.changes(m)
