"""Shared fixtures: one real bake per session, and the Django test project.

Tests that need ../shared (the real register) or Go (to build prebake) skip
with a message outside CI and fail in CI (CI=true), as the Go tests do
(internal/testkit/shareddata).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent


def shared_dir() -> Path:
    return Path(os.environ.get("PREBAKE_SHARED") or ROOT.parent / "shared")


def missing(msg: str) -> None:
    """Skip outside CI, fail in CI (where ../shared and the tools are always present)."""
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


def shared_path(rel: str) -> Path:
    p = shared_dir() / rel
    if not p.exists():
        missing(f"shared data {p} is absent (set PREBAKE_SHARED or check out ../shared)")
    return p


@dataclass(frozen=True)
class Bake:
    manifest: Path
    out: Path
    staticfiles: Path  # prebake build --django-staticfiles
    register: Path  # ../shared/data/register
    postcodes: Path


@pytest.fixture(scope="session")
def prebake_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go") or ("/usr/local/go/bin/go" if os.path.exists("/usr/local/go/bin/go") else None)
    if go is None:
        missing("go is not installed: it builds the prebake binary these tests run")
    exe = tmp_path_factory.mktemp("bin") / "prebake"
    subprocess.run([go, "build", "-o", str(exe), "./cmd/prebake"], cwd=ROOT, check=True)
    return exe


@pytest.fixture(scope="session")
def real_bake(prebake_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Bake:
    """The real register (components and CMU rows) baked once for the session,
    with the ONS Postcode Directory sample as postcode table. It cannot be the
    test run's shared real bake (internal/testkit/realbake, Code-Point Open): these
    tests check the ONSPD input path, e.g. test_postcode_location compares the
    baked positions with the ONSPD rows' own lat/long to 1e-6 degrees."""
    register = shared_path("data/register")
    postcodes = shared_path("data/postcodes/onspd-sample.csv")
    d = tmp_path_factory.mktemp("bake")
    b = Bake(d / "manifest.json", d / "out", d / "staticfiles.json", register, postcodes)
    subprocess.run(
        [
            str(prebake_bin), "build", "--quiet",
            "--source", str(register / "components_*.json"),
            "--source", str(register / "cmu_register_rows.json"),
            "--postcodes", str(postcodes),
            "--out", str(b.out), "--manifest", str(b.manifest),
            "--report", str(d / "report.jsonl"),
            "--django-staticfiles", str(b.staticfiles),
        ],
        check=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"},
    )
    return b


@pytest.fixture(scope="session")
def django_project(real_bake: Bake, tmp_path_factory: pytest.TempPathFactory) -> Bake:
    """The minimal app-shaped Django project in tests/djproject, configured for
    the session's bake, with the app's own static files collected."""
    static_root = tmp_path_factory.mktemp("static_root")
    os.environ["DJANGO_SETTINGS_MODULE"] = "djproject.settings"
    os.environ["PREBAKE_MANIFEST"] = str(real_bake.manifest)
    os.environ["PREBAKE_OUT_DIR"] = str(real_bake.out)
    os.environ["TEST_STATIC_ROOT"] = str(static_root)
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", "--noinput", verbosity=0)
    return real_bake


def read_manifest(b: Bake) -> dict:
    return json.loads(b.manifest.read_text(encoding="utf-8"))
