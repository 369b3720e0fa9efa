"""The package builds as a wheel (pip, setuptools) carrying py.typed, the Django
app and its template tags, and works when installed from it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

PYTHON = Path(__file__).resolve().parents[1]


def test_wheel(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(PYTHON, src, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--disable-pip-version-check", "-w", str(dist), str(src)],
        check=True,
    )
    (whl,) = dist.glob("prebake-*.whl")
    names = set(zipfile.ZipFile(whl).namelist())
    for want in [
        "prebake/__init__.py",
        "prebake/py.typed",
        "prebake/manifest.py",
        "prebake/django/apps.py",
        "prebake/django/templatetags/prebake.py",
    ]:
        assert want in names, want
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check", "--target", str(site), str(whl)], check=True)
    code = "import sys; sys.path.insert(0, sys.argv[1]); import prebake, prebake.django.apps; print(prebake.__file__)"
    out = subprocess.run([sys.executable, "-I", "-c", code, str(site)], check=True, capture_output=True, text=True).stdout
    assert out.strip() == str(site / "prebake" / "__init__.py")
