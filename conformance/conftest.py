"""Session fixtures of the app-contract suite: one real bake of ../shared per
pytest session, the register rows as the app stores them, and readers of the
baked files. Tests need ../shared and Go: outside CI they skip with a message,
in CI (CI=true) they fail."""

import glob
import json
import os
import shutil
import subprocess

import pytest

import appcontract as app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
REGISTER = os.path.join(SHARED, "data", "register")


def need(ok, what):
    """Skip (fail in CI) when a prerequisite is missing."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(what + " (required in CI)")
    pytest.skip(what)


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


def asset(bake, name):
    with open(os.path.join(bake["dir"], bake["manifest"]["assets"][name]["path"]), encoding="utf-8") as f:
        return json.load(f)


def shard_files(bake, name):
    """Every file of a shard set, merged into one dict."""
    s = bake["manifest"]["shardsets"][name]
    merged = {}
    for p in sorted(glob.glob(os.path.join(bake["dir"], s["path"], "*.json"))):
        with open(p, encoding="utf-8") as f:
            merged.update(json.load(f))
    return merged


def register_rows():
    """The component rows in prebake's read order (files sorted, then in file
    order), de-duplicated by _id (the first wins), and every repeat."""
    first, repeats = {}, []
    for path in sorted(glob.glob(os.path.join(REGISTER, "components_*.json"))):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        n = 0
        for rows in data.values():
            for row in rows:
                n += 1
                if row["_id"] in first:
                    repeats.append((path, n, row))
                else:
                    first[row["_id"]] = (path, n, row)
    return first, repeats


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
