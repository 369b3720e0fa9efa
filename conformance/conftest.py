"""Session fixtures of the app-contract suite: the test run's one shared bake of
../shared (internal/testkit/realbake) and the register rows as the app stores them. Tests need ../shared
and Go: outside CI they skip with a message, in CI (CI=true) they fail."""

import fcntl
import json
import os
import shutil
import subprocess

import pytest

import appcontract as app
from bakefiles import REGISTER, ROOT, SHARED, components_table, need, register_rows


@pytest.fixture(scope="session")
def bake():
    """The test run's shared real bake (internal/testkit/realbake: register, Code-Point
    postcode table and DNO boundaries baked once by `prebake build` for every Go
    package and pytest): {"dir": output dir, "manifest": dict, "report": [lines],
    "summary": the build's --json summary}. `make test` passes its directory in
    $PREBAKE_REALBAKE; otherwise `go run ./internal/testkit/realbake/cmd/realbake` finds
    or makes it (in .cache/realbake, keyed by the code and the inputs)."""
    need(os.path.isdir(REGISTER), "needs the real register in ../shared/data/register")
    d = os.environ.get("PREBAKE_REALBAKE")
    if not d:
        go = shutil.which("go")
        need(go is not None, "needs Go to bake")
        p = subprocess.run([go, "run", "./internal/testkit/realbake/cmd/realbake"], cwd=ROOT, capture_output=True, text=True)
        assert p.returncode == 0, "the shared real bake failed:\n" + p.stderr[-4000:]
        d = p.stdout.strip()
        need(d != "", "no shared real bake: " + p.stderr.strip())
    if os.path.exists(d + ".lock"):
        # Held until pytest exits, so that no other run removes the bake (see internal/testkit/realbake).
        lock = open(d + ".lock", "rb")
        fcntl.flock(lock, fcntl.LOCK_SH)
        _held.append(lock)
    with open(os.path.join(d, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    with open(os.path.join(d, "report.jsonl"), encoding="utf-8") as f:
        report = [json.loads(line) for line in f]
    with open(os.path.join(d, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    return {"dir": os.path.join(d, "out"), "manifest": manifest, "report": report, "summary": summary}


_held = []


@pytest.fixture(scope="session")
def register(bake):
    """The app's view of the register: Components with the bake's coordinates
    (geocoding is tested elsewhere; the contracts here are about what is built
    from positions)."""
    first, _ = register_rows()
    comps = [app.Component(row) for _, _, row in first.values()]
    table = components_table(bake)
    for c in comps:
        r = table[c.id]
        if r["located"]:
            c.lat, c.lng = r["lat"], r["lng"]
    return comps
