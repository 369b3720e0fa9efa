"""Session fixtures of the app-contract suite: one real bake of ../shared per
pytest session and the register rows as the app stores them. Tests need ../shared
and Go: outside CI they skip with a message, in CI (CI=true) they fail."""

import json
import os
import shutil
import subprocess

import pytest

import appcontract as app
from bakefiles import REGISTER, ROOT, SHARED, asset, need, register_rows


@pytest.fixture(scope="session")
def bake(tmp_path_factory):
    """Bake the real register once: {"dir": output dir, "manifest": dict, "report": [lines]}."""
    need(os.path.isdir(REGISTER), "needs the real register in ../shared/data/register")
    go = shutil.which("go")
    need(go is not None, "needs Go to bake")
    tmp = tmp_path_factory.mktemp("bake")
    out, man, rep = tmp / "out", tmp / "manifest.json", tmp / "report.jsonl"
    cmd = [go, "run", "./cmd/prebake", "build", "--json",
           "--source", os.path.join(REGISTER, "components_*.json"),
           "--source", os.path.join(REGISTER, "cmu_register_rows.json"),
           "--postcodes", os.path.join(SHARED, "data", "postcodes", "postcodes-en.csv.gz"),
           "--out", str(out), "--manifest", str(man), "--report", str(rep)]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, "prebake build failed:\n" + p.stderr[-4000:]
    with open(man, encoding="utf-8") as f:
        manifest = json.load(f)
    with open(rep, encoding="utf-8") as f:
        report = [json.loads(line) for line in f]
    return {"dir": str(out), "manifest": manifest, "report": report, "summary": json.loads(p.stdout)}


@pytest.fixture(scope="session")
def register(bake):
    """The app's view of the register: Components with the bake's coordinates
    (geocoding is tested elsewhere; the contracts here are about what is built
    from positions)."""
    first, _ = register_rows()
    comps = [app.Component(row) for _, _, row in first.values()]
    table = {r["id"]: r for r in asset(bake, "cmu/components.json")}
    for c in comps:
        r = table[c.id]
        if r["located"]:
            c.lat, c.lng = r["lat"], r["lng"]
    return comps
