"""The CI recipes of docs/ci.md run: the GitHub Actions workflow
(docs/ci/prebake.yml) passes actionlint, and the Heroku hook
(python/docs/post_compile.sh as the app's bin/post_compile) bakes the app's
json_data/ when run as the Python buildpack runs it: a fresh venv, `pip install
-r requirements.txt` naming the wheel of `make dist` by --find-links, then the
hook with BUILD_DIR and CACHE_DIR set, on a PATH without Go."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, missing, shared_path, venv_with_wheel
from test_migration_guide import codepoint_archive

VERSION = (ROOT / "cmd" / "prebake" / "VERSION").read_text().strip()
WORKFLOW = ROOT / "docs" / "ci" / "prebake.yml"
HOOK = ROOT / "python" / "docs" / "post_compile.sh"


def actionlint(path: Path) -> subprocess.CompletedProcess:
    exe = ROOT / ".cache" / "tools" / "actionlint"
    if not exe.exists():
        missing(f"actionlint is not installed at {exe} (scripts/setup-actionlint.sh)")
    return subprocess.run([str(exe), "-no-color", str(path)], capture_output=True, text=True)


def test_workflow_passes_actionlint(tmp_path: Path) -> None:
    p = actionlint(WORKFLOW)
    assert p.returncode == 0, p.stdout + p.stderr
    # the check has teeth: an undefined context property is an error
    broken = tmp_path / "prebake.yml"
    broken.write_text(WORKFLOW.read_text().replace("${{ vars.PREBAKE_PUBLISH_TO }}", "${{ github.publish_to }}"))
    p = actionlint(broken)
    assert p.returncode == 1 and "publish_to" in p.stdout, p.stdout + p.stderr


def test_workflow_runs_the_hook() -> None:
    """The workflow's own commands are the ones the buildpack test below runs."""
    runs = re.findall(r"^\s+run: (.*)$", WORKFLOW.read_text(), re.M)
    assert runs == ["pip install -r requirements.txt", "bin/post_compile"]


def test_docs_name_the_recipes_and_the_version() -> None:
    ci = (ROOT / "docs" / "ci.md").read_text()
    assert "(ci/prebake.yml)" in ci and "(../python/docs/post_compile.sh)" in ci
    assert f"prebake[django]=={VERSION}" in ci
    assert f"prebake[django]=={VERSION}" in (ROOT / "python" / "docs" / "migration.md").read_text()


@pytest.fixture(scope="module")
def app(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The app's repository as Heroku's Python buildpack leaves it before the
    hook: json_data/ (the real register's component files), bin/post_compile,
    requirements.txt installed into a fresh venv."""
    tmp = tmp_path_factory.mktemp("heroku")
    repo = tmp / "build"
    (repo / "json_data").mkdir(parents=True)
    for p in sorted(shared_path("data/register").glob("components_*.json")):
        shutil.copy(p, repo / "json_data" / p.name)
    (repo / "bin").mkdir()
    shutil.copy(HOOK, repo / "bin" / "post_compile")
    (repo / "bin" / "post_compile").chmod(0o755)
    (repo / "requirements.txt").write_text(f"--no-index\n--find-links {dist_dir}\nprebake=={VERSION}\n")
    bindir = venv_with_wheel(tmp / "python", ["-r", str(repo / "requirements.txt")])
    codepoint_archive(tmp / "codepo_gb.zip")
    path = os.pathsep.join([str(bindir), "/usr/bin", "/bin"])
    assert shutil.which("go", path=path) is None
    env = {"PATH": path, "HOME": str(tmp), "LANG": "C.UTF-8", "BUILD_DIR": str(repo), "CACHE_DIR": str(tmp / "cache"),
           "PREBAKE_POSTCODES_URL": (tmp / "codepo_gb.zip").as_uri(), "SOURCE_DATE_EPOCH": "1767225600"}
    return {"repo": repo, "env": env, "tmp": tmp}


def hook(app: dict, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(app["repo"] / "bin" / "post_compile")], cwd=app["repo"], env={**app["env"], **env},
                          capture_output=True, text=True)


def test_hook_bakes_json_data_as_the_buildpack_runs_it(app: dict) -> None:
    first = hook(app)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.startswith(f"prebake {VERSION} (commit ")  # the wheel's binary, stamped
    assert "postcode table fetched" in first.stdout
    out = app["repo"] / "prebake_output"
    m = json.loads((out / "manifest.json").read_text())
    assert m["generator"] == {"name": "prebake", "version": VERSION}
    assert {"cmu/cmus.json", "locations/company_list.json"} <= set(m["assets"])
    p = subprocess.run(["prebake", "verify", "--out", str(out), "--manifest", str(out / "manifest.json")],
                       env=app["env"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    # the next deploy: the postcode table comes from the build cache (the URL is gone)
    again = hook(app, PREBAKE_POSTCODES_URL=(app["tmp"] / "gone.zip").as_uri())
    assert again.returncode == 0, again.stdout + again.stderr
    assert "postcode table" not in again.stdout
    assert json.loads((out / "manifest.json").read_text())["build_id"] == m["build_id"]


def test_hook_without_the_wheel_says_what_to_do(app: dict, tmp_path: Path) -> None:
    p = hook(app, PATH="/usr/bin:/bin", PREBAKE_OUT=str(tmp_path / "out"))
    assert p.returncode == 1 and "add prebake to requirements.txt" in p.stderr, p.stdout + p.stderr
    assert not (tmp_path / "out").exists()


def test_hook_passes_shellcheck() -> None:
    exe = shutil.which("shellcheck")
    if exe is None:
        missing("shellcheck is not installed (scripts/setup-debian.sh installs it)")
    p = subprocess.run([exe, str(HOOK)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
