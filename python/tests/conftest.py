"""Shared fixtures: one real bake per session, and the Django test project.

Tests that need ../shared (the real register) or Go (to build prebake) skip
with a message outside CI and fail in CI (CI=true), as the Go tests do
(internal/testkit/shareddata).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
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
    go = go_exe()
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


def write_bake(root: Path, assets: dict[str, bytes], shards: dict[str, bytes], *, variants: dict[str, dict[str, bytes]] | None = None,
               shard_encodings: dict[str, bytes] | None = None, base_url: str = "") -> Path:
    """A small bake laid out as ``prebake build`` lays one out (docs/manifest.md),
    written by hand so a test can damage it: ``root/out`` holds the assets
    (``name.<sha256[:16]>.ext``) and their ``variants`` (encoding -> bytes,
    e.g. ``{"a/one.json": {"gzip": ...}}``), and shard set ``s`` (key ``key``,
    files ``<key>.json``, with each ``shard_encodings`` variant beside every
    file); returns ``root/manifest.json``."""
    out = root / "out"
    entries: dict[str, dict] = {}
    for name, data in assets.items():
        h = hashlib.sha256(data).hexdigest()
        stem, ext = name.rsplit(".", 1)
        path = f"{stem}.{h[:16]}.{ext}"
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
        entries[name] = {"path": path, "url": (base_url + "/" if base_url else "") + path, "sha256": h, "size": len(data)}
        for enc, vdata in (variants or {}).get(name, {}).items():
            suffix = {"br": ".br", "gzip": ".gz", "zstd": ".zst"}[enc]
            (out / (path + suffix)).write_bytes(vdata)
            entries[name].setdefault("encodings", {})[enc] = {"path": path + suffix, "size": len(vdata)}
    index = "".join(f"{hashlib.sha256(d).hexdigest()}  {k}.json\n" for k, d in sorted(shards.items())).encode()
    sh = hashlib.sha256(index).hexdigest()
    sdir = f"s.{sh[:16]}"
    (out / sdir).mkdir(parents=True)
    for k, d in shards.items():
        (out / sdir / f"{k}.json").write_bytes(d)
        for enc, vdata in (shard_encodings or {}).items():
            (out / sdir / f"{k}.json{ {'br': '.br', 'gzip': '.gz'}[enc] }").write_bytes(vdata)
    (out / f"{sdir}.sha256").write_bytes(index)
    shardset = {"path": sdir, "url": (base_url + "/" if base_url else "") + sdir + "/{key}.json", "key": "key",
                "index": f"{sdir}.sha256", "sha256": sh, "files": len(shards), "bytes": sum(map(len, shards.values()))}
    if shard_encodings:
        shardset["encodings"] = sorted(shard_encodings)
    m = {"schema_version": 1, "build_id": "0123456789abcdef", "base_url": base_url, "assets": entries, "tilesets": {}, "shardsets": {"s": shardset}}
    (root / "manifest.json").write_text(json.dumps(m))
    return root / "manifest.json"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory without logging each request to stderr, and keeps
    the paths it was asked for (``requested``, shared by the server's threads)."""

    requested: list[str]

    def log_message(self, *a: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        self.requested.append(self.path)
        return super().send_head()


@contextlib.contextmanager
def http_server(directory: Path, handler: type[QuietHandler] = QuietHandler) -> Iterator[tuple[str, list[str]]]:
    """A real threaded HTTP server on a free 127.0.0.1 port serving
    ``directory``: yields its base URL and the list of paths requested."""
    requested: list[str] = []
    cls = type("Handler", (handler,), {"requested": requested})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(cls, directory=str(directory)))
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", requested
    finally:
        srv.shutdown()
        srv.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn_server() -> Iterator[int]:
    """The test project (tests/djproject, configured by ``django_project``)
    in a real gunicorn process on a free 127.0.0.1 port; yields the port."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        pytest.fail(f"{gunicorn} missing: scripts/setup-python.sh installs gunicorn")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "python" / "src"), str(TESTS)]),
        "DJANGO_SETTINGS_MODULE": "djproject.settings",
    }
    proc = subprocess.Popen(
        [str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "djproject.wsgi:application"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"gunicorn did not start on port {port}:\n{out}")
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def go_exe() -> str:
    go = shutil.which("go") or ("/usr/local/go/bin/go" if os.path.exists("/usr/local/go/bin/go") else None)
    if go is None:
        missing("go is not installed: it builds the prebake binary these tests run")
    return go


# What `make dist` (scripts/dist.sh) builds: GOOS/GOARCH -> (the wheel's
# platform tags, the executable's name in prebake/bin/).
DIST_PLATFORMS = {
    "linux/amd64": ({"manylinux_2_17_x86_64", "manylinux2014_x86_64"}, "prebake"),
    "linux/arm64": ({"manylinux_2_17_aarch64", "manylinux2014_aarch64"}, "prebake"),
    "darwin/amd64": ({"macosx_10_12_x86_64"}, "prebake"),
    "darwin/arm64": ({"macosx_11_0_arm64"}, "prebake"),
    "windows/amd64": ({"win_amd64"}, "prebake.exe"),
}


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output of scripts/dist.sh (`make dist`) for every platform, built once
    per session: the sdist and five wheels."""
    d = tmp_path_factory.mktemp("dist")
    go = go_exe()
    p = subprocess.run(["bash", str(ROOT / "scripts" / "dist.sh")], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "DIST_DIR": str(d), "PYTHON": sys.executable, "GO": go,
                            "PREBAKE_DIST_PLATFORMS": " ".join(DIST_PLATFORMS)})
    assert p.returncode == 0, p.stderr[-4000:]
    return d


def venv_with_wheel(dest: Path, requirement: list[str]) -> Path:
    """A fresh virtual environment at dest with ``pip install <requirement>``
    done (no index: the wheel comes from a --find-links directory); returns
    its bin directory."""
    subprocess.run([sys.executable, "-m", "venv", str(dest)], check=True)
    bindir = dest / "bin"
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index", *requirement],
                   check=True)
    return bindir
