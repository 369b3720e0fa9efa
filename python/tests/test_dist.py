"""`make dist` (scripts/dist.sh): platform wheels that carry the prebake CLI,
and an sdist. The wheels' tags, contents and metadata (wheel, twine check), the
binary in each (its GOOS/GOARCH by `go version -m` and `file`), the same bytes
when built again, and the linux x86_64 wheel installed into a fresh venv on a
PATH without Go baking the sample and the real register in ../shared."""

from __future__ import annotations

import email.parser
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from cachetest import realbake  # noqa: F401  (a fixture)
from conftest import DIST_PLATFORMS, ROOT, go_exe, shared_path, venv_with_wheel

VERSION = (ROOT / "cmd" / "prebake" / "VERSION").read_text().strip()
# What `file` says of each platform's executable.
FILE_SAYS = {
    "linux/amd64": ["ELF 64-bit", "x86-64", "statically linked"],
    "linux/arm64": ["ELF 64-bit", "ARM aarch64", "statically linked"],
    "darwin/amd64": ["Mach-O 64-bit", "x86_64"],
    "darwin/arm64": ["Mach-O 64-bit", "arm64"],
    "windows/amd64": ["PE32+ executable", "x86-64"],
}


def head_commit() -> str:
    p = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else "unknown"


def wheel_of(dist: Path, platform: str) -> Path:
    tags, _ = DIST_PLATFORMS[platform]
    (whl,) = [w for w in dist.glob("*.whl") if set(w.name[:-4].split("-")[4].split(".")) == tags]
    return whl


def test_dist_holds_the_sdist_and_five_wheels(dist_dir: Path) -> None:
    names = sorted(p.name for p in dist_dir.iterdir())
    assert len(names) == 6, names
    assert f"prebake-{VERSION}.tar.gz" in names
    for platform, (tags, _) in DIST_PLATFORMS.items():
        name, version, py, abi, plat = wheel_of(dist_dir, platform).name[:-4].split("-")
        assert (name, version, py, abi) == ("prebake", VERSION, "py3", "none"), platform
    # twine's own checks of what would be uploaded (metadata, README rendering)
    p = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *sorted(map(str, dist_dir.iterdir()))],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count("PASSED") == 6, p.stdout


@pytest.mark.parametrize("platform", list(DIST_PLATFORMS))
def test_wheel_tags_and_contents(dist_dir: Path, tmp_path: Path, platform: str) -> None:
    tags, exe = DIST_PLATFORMS[platform]
    whl = wheel_of(dist_dir, platform)
    # wheel's own reader checks every file against RECORD
    subprocess.run([sys.executable, "-m", "wheel", "unpack", "--dest", str(tmp_path), str(whl)], check=True, capture_output=True)
    tree = tmp_path / f"prebake-{VERSION}"
    info = tree / f"prebake-{VERSION}.dist-info"
    wheel_meta = email.parser.Parser().parsestr((info / "WHEEL").read_text())
    assert set(wheel_meta.get_all("Tag")) == {f"py3-none-{t}" for t in tags}
    assert wheel_meta["Root-Is-Purelib"] == "false"
    meta = email.parser.Parser().parsestr((info / "METADATA").read_text())
    assert meta["Name"] == "prebake" and meta["Version"] == VERSION
    assert "parquet" in meta.get_all("Provides-Extra")
    assert any(r.startswith("pyarrow") and "extra == \"parquet\"" in r for r in meta.get_all("Requires-Dist")), meta.get_all("Requires-Dist")
    assert "[console_scripts]\nprebake = prebake._cli:main" in (info / "entry_points.txt").read_text()
    files = {p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file()}
    assert {"prebake/__init__.py", "prebake/_cli.py", "prebake/__main__.py", "prebake/VERSION", "prebake/py.typed",
            "prebake/data/cache_families.json", f"prebake/bin/{exe}"} <= files
    assert [f for f in files if f.startswith("prebake/bin/")] == [f"prebake/bin/{exe}"]
    assert (tree / "prebake" / "VERSION").read_text().strip() == VERSION
    # the zip entry keeps the executable bit, which pip restores on install
    mode = zipfile.ZipFile(whl).getinfo(f"prebake/bin/{exe}").external_attr >> 16
    assert stat.S_ISREG(mode) and mode & 0o111 == 0o111, oct(mode)
    binary = tree / "prebake" / "bin" / exe
    # the binary is of the wheel's platform, static, reproducible, stamped
    bi = subprocess.run([go_exe(), "version", "-m", str(binary)], capture_output=True, text=True, check=True).stdout
    settings = dict(line.split("\t")[2].split("=", 1) for line in bi.splitlines() if line.startswith("\tbuild\t") and "=" in line.split("\t")[2])
    goos, goarch = platform.split("/")
    assert (settings["GOOS"], settings["GOARCH"], settings["CGO_ENABLED"], settings["-trimpath"]) == (goos, goarch, "0", "true"), bi
    # -trimpath keeps -ldflags out of the build info: the stamped commit is in the bytes
    assert head_commit().encode() in binary.read_bytes()
    assert "\tpath\tgithub.com/prebake/prebake/cmd/prebake" in bi
    says = subprocess.run(["file", "-b", str(binary)], capture_output=True, text=True, check=True).stdout
    for want in FILE_SAYS[platform]:
        assert want in says, (platform, says)


def test_sdist_carries_no_binary(dist_dir: Path) -> None:
    with tarfile.open(dist_dir / f"prebake-{VERSION}.tar.gz") as t:
        members = {m.name: m for m in t.getmembers()}
        version = members[f"prebake-{VERSION}/src/prebake/VERSION"]
        assert version.isfile()  # the symlink is resolved: an sdist must build on its own
        assert t.extractfile(version).read().decode().strip() == VERSION
        assert not [n for n in members if "/prebake/bin/" in n]
        assert not [n for n in members if "/tests/" in n]


def test_wheels_are_reproducible(dist_dir: Path, tmp_path: Path) -> None:
    """The same commit gives the same wheel, byte for byte."""
    p = subprocess.run(["bash", str(ROOT / "scripts" / "dist.sh")], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "DIST_DIR": str(tmp_path), "PYTHON": sys.executable, "GO": go_exe(),
                            "PREBAKE_DIST_PLATFORMS": "linux/amd64"})
    assert p.returncode == 0, p.stderr[-4000:]
    whl = wheel_of(dist_dir, "linux/amd64")
    assert (tmp_path / whl.name).read_bytes() == whl.read_bytes()


def test_the_source_tree_says_it_has_no_binary() -> None:
    """Installed from source (no prebake/bin/), the console script names what
    is missing and exits 127 rather than looking for another prebake on PATH."""
    p = subprocess.run([sys.executable, "-m", "prebake", "--version"], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "python" / "src")})
    assert p.returncode == 127 and "carries no prebake executable" in p.stderr and "install a platform wheel" in p.stderr, p


@pytest.fixture(scope="module")
def installed(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The linux x86_64 wheel installed with pip into a fresh venv; the
    environment of a shell whose PATH has that venv and no Go."""
    bindir = venv_with_wheel(tmp_path_factory.mktemp("venv") / "v", ["--find-links", str(dist_dir), f"prebake=={VERSION}"])
    path = os.pathsep.join([str(bindir), "/usr/bin", "/bin"])
    assert shutil.which("go", path=path) is None, "this PATH must have no Go"
    env = {"PATH": path, "HOME": str(tmp_path_factory.mktemp("home")), "SOURCE_DATE_EPOCH": "1767225600", "LANG": "C.UTF-8"}
    return env


def run(env: dict[str, str], *args: str, cwd: Path | None = None) -> str:
    p = subprocess.run(list(args), env=env, cwd=cwd, capture_output=True, text=True)
    assert p.returncode == 0, (args, p.stdout[-2000:], p.stderr[-4000:])
    return p.stdout


def test_installed_cli_reports_its_version(installed: dict[str, str]) -> None:
    got = json.loads(run(installed, "prebake", "version", "--json"))
    assert got == {"version": VERSION, "commit": head_commit(), "go": got["go"], "platform": "linux/amd64"}
    assert got["go"].startswith("go")
    line = run(installed, "prebake", "--version")
    assert line == f"prebake {VERSION} (commit {head_commit()}, {got['go']}, linux/amd64)\n"
    assert run(installed, "python", "-m", "prebake", "--version") == line
    assert run(installed, "python", "-c", "import prebake; print(prebake.__version__)").strip() == VERSION
    # the console script is the wheel's, in the venv
    assert shutil.which("prebake", path=installed["PATH"]).startswith(installed["PATH"].split(os.pathsep)[0])


def test_installed_cli_bakes_the_sample(installed: dict[str, str], tmp_path: Path) -> None:
    # make run's commands (the manifest records the source paths as given)
    run(installed, "prebake", "sample", "--out", ".cache/sample", cwd=tmp_path)
    run(installed, "prebake", "build", "--quiet", "--source", ".cache/sample/synthetic_*.json", "--postcodes", ".cache/sample/synthetic_postcodes.csv",
        "--out", "output", "--manifest", "manifest.json", cwd=tmp_path)
    run(installed, "prebake", "verify", "--out", "output", "--manifest", "manifest.json", cwd=tmp_path)
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["generator"] == {"name": "prebake", "version": VERSION}
    # the same bake as the source tree's: make run's committed manifest
    assert (tmp_path / "manifest.json").read_bytes() == (ROOT / "cmd" / "prebake" / "testdata" / "sample-manifest.json").read_bytes()


def test_installed_cli_bakes_the_real_register(installed: dict[str, str], tmp_path: Path, realbake: Path) -> None:  # noqa: F811
    """The real register in ../shared, with the test run's shared real bake's
    arguments (internal/testkit/realbake.Args): the same manifest, byte for byte."""
    reg = shared_path("data/register")
    shared = reg.parents[1]
    run(installed, "prebake", "build", "--quiet",
        "--source", str(reg / "components_*.json"), "--source", str(reg / "cmu_register_rows.json"),
        "--postcodes", str(shared / "data/postcodes/postcodes-en.csv.gz"), "--boundaries", str(shared / "data/geo/gb_dno_boundaries.geojson"),
        "--out", "out", "--manifest", "manifest.json", "--report", "report.jsonl", "--django-staticfiles", "staticfiles.json", cwd=tmp_path)
    run(installed, "prebake", "verify", "--out", "out", "--manifest", "manifest.json", cwd=tmp_path)
    assert (tmp_path / "manifest.json").read_bytes() == (realbake / "manifest.json").read_bytes()
