"""Manifest.verify returns problems and never raises for what it finds on disk
(issue 24, item 8): files, indexes and variants replaced by directories,
FIFOs (never waited on), unreadable files, broken symlinks and symlinks out of
the bake, each a Problem with a reason and a sentence."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import prebake
from prebake.manifest import IntegrityError, Manifest, Problem
from conftest import ROOT, write_bake

ONE = b'{"x": 1}\n' * 20  # compressible, so its gzip variant is smaller


def make(root: Path) -> Manifest:
    """An asset with a gzip variant, and a shard set of two files with a br
    variant beside each (content need not decode: verify checks presence)."""
    m = write_bake(root, {"a/one.json": ONE, "a/two.txt": b"two\n"}, {"k": b'{"k": true}\n', "m": b"{}\n"},
                   variants={"a/one.json": {"gzip": gzip.compress(ONE, mtime=0)}}, shard_encodings={"br": b"\x0b\x02\x80{}\x03"})
    return prebake.load(m, out_dir=root / "out")


def verify_in_time(m: Manifest, files: bool = True) -> list[Problem]:
    """verify in a thread, failing the test if it takes 10 s (a FIFO waited on)."""
    got: list[object] = []
    t = threading.Thread(target=lambda: got.append(_call(m, files)), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "verify hung"
    r = got[0]
    if isinstance(r, BaseException):
        raise AssertionError(f"verify raised {type(r).__name__}: {r}") from r
    return r  # type: ignore[return-value]


def _call(m: Manifest, files: bool) -> object:
    try:
        return m.verify(files=files)
    except BaseException as e:  # noqa: BLE001 - handed to the test's thread
        return e


def as_dir(p: Path) -> None:
    p.unlink()
    p.mkdir()
    (p / "inner").write_text("x")


def as_fifo(p: Path) -> None:
    p.unlink()
    os.mkfifo(p)


def as_broken_link(p: Path) -> None:
    p.unlink()
    p.symlink_to(p.parent / "nowhere")


def as_link_out(p: Path) -> None:
    """A symlink to the same bytes outside the output directory (beside it)."""
    out = next(d for d in p.parents if d.name == "out")
    outside = out.parent / ("outside-" + p.name)
    shutil.copy(p, outside)
    p.unlink()
    p.symlink_to(outside)


def as_broken_link_out(p: Path) -> None:
    p.unlink()
    p.symlink_to("/nonexistent-prebake-test/x")


Damage = Callable[[Path], None]
KINDS: list[tuple[str, Damage, str, str]] = [  # id, damage, reason, words in the detail
    ("directory", as_dir, "unreadable", "is a directory"),
    ("fifo", as_fifo, "unreadable", "is a FIFO"),
    ("broken symlink", as_broken_link, "missing", "missing"),
    ("symlink out", as_link_out, "unreadable", "resolves outside the output directory"),
    ("broken symlink out", as_broken_link_out, "unreadable", "resolves outside"),
]


def targets(m: Manifest) -> dict[str, tuple[str, str, bool]]:
    """What to damage: relative path, owning name, whether a variant."""
    s = m.shardset("s")
    return {
        "asset": (m.asset("a/one.json")["path"], "a/one.json", False),
        "asset variant": (m.asset("a/one.json")["encodings"]["gzip"]["path"], "a/one.json", True),
        "set index": (s["index"], "s", False),
        "set file": (f"{s['path']}/k.json", "s", False),
        "set variant": (f"{s['path']}/k.json.br", "s", True),
    }


@pytest.mark.parametrize("target", ["asset", "asset variant", "set index", "set file", "set variant"])
@pytest.mark.parametrize("kind, damage, reason, words", KINDS, ids=[k[0] for k in KINDS])
def test_damage_is_a_problem(tmp_path: Path, target: str, kind: str, damage: Damage, reason: str, words: str) -> None:
    m = make(tmp_path)
    assert m.verify(files=True) == []
    rel, name, variant = targets(m)[target]
    assert m.out_dir is not None
    damage(m.out_dir / rel)
    problems = verify_in_time(m)
    want_reason = "variant" if variant else reason
    assert [(p.name, p.path, p.reason) for p in problems] == [(name, rel, want_reason)], problems
    assert words in problems[0].detail and problems[0].detail.startswith(rel), problems[0].detail
    with pytest.raises(IntegrityError, match="1 problem"):
        m.check(files=True)


def test_variant_wrong_size_and_missing(tmp_path: Path) -> None:
    m = make(tmp_path)
    assert m.out_dir is not None
    gz = m.asset("a/one.json")["encodings"]["gzip"]["path"]
    (m.out_dir / gz).write_bytes(b"short")
    (m.out_dir / m.shardset("s")["path"] / "m.json.br").unlink()
    got = {(p.path, p.reason, p.detail) for p in m.verify(files=True)}
    assert got == {
        (gz, "variant", f"{gz}: gzip variant of 5 bytes, the manifest says {m.asset('a/one.json')['encodings']['gzip']['size']}"),
        (m.shardset("s")["path"] + "/m.json.br", "variant", m.shardset("s")["path"] + "/m.json.br: br variant missing"),
    }
    # without files=True a set's files and their variants are not opened
    assert [p.reason for p in m.verify()] == ["variant"]


def test_set_directory_out_of_the_bake(tmp_path: Path) -> None:
    """The whole set directory a symlink out of the bake: every file of it is
    unreadable, none read."""
    m = make(tmp_path)
    assert m.out_dir is not None
    sdir = m.out_dir / m.shardset("s")["path"]
    elsewhere = tmp_path / "elsewhere"
    sdir.rename(elsewhere)
    sdir.symlink_to(elsewhere)
    got = verify_in_time(m)
    assert {p.reason for p in got} == {"unreadable", "variant"} and len(got) == 4
    assert all("resolves outside" in p.detail for p in got)


def test_bad_index_lines(tmp_path: Path) -> None:
    """An index whose hash matches but which names a path outside the set, or
    is not UTF-8: index problems, nothing read."""
    m = make(tmp_path)
    assert m.out_dir is not None
    data = json.loads(Path(m.source).read_text())
    s = data["shardsets"]["s"]
    for index, want in [
        (b"0" * 64 + b"  ../../../etc/passwd\n", '".." segment'),
        (b"0" * 64 + b"  a\xffb\n", "not UTF-8"),
        (b"0" * 64 + b"  .prebake/x\n", "hidden segment"),
    ]:
        (m.out_dir / s["index"]).write_bytes(index)
        s["sha256"] = hashlib.sha256(index).hexdigest()
        got = Manifest(data, out_dir=m.out_dir).verify(files=True)
        assert [(p.path, p.reason) for p in got] == [(s["index"], "index")] and want in got[0].detail, got


def test_set_without_index(tmp_path: Path) -> None:
    m = make(tmp_path)
    assert m.out_dir is not None
    data = json.loads(Path(m.source).read_text())
    data["shardsets"]["s"].update(index="", sha256="")
    assert Manifest(data, out_dir=m.out_dir).verify(files=True) == []
    shutil.rmtree(m.out_dir / data["shardsets"]["s"]["path"])
    got = Manifest(data, out_dir=m.out_dir).verify(files=True)
    assert [(p.name, p.reason) for p in got] == [("s", "missing")]


PERMISSION_CHECK = """
import sys
sys.path.insert(0, {src!r})
import prebake
m = prebake.load({manifest!r}, out_dir={out!r})
print("\\n".join(f"{{p.path}}|{{p.reason}}|{{p.detail}}" for p in m.verify(files=True)))
"""


def test_permission_denied(tmp_path: Path) -> None:
    """Files the process may not read: unreadable, "Permission denied". As
    root (which reads anything) the check runs in a child without the
    capabilities that override file permissions."""
    m = make(tmp_path)
    assert m.out_dir is not None
    locked = [m.asset("a/one.json")["path"], m.asset("a/one.json")["encodings"]["gzip"]["path"], m.shardset("s")["path"] + "/k.json"]
    for rel in locked:
        os.chmod(m.out_dir / rel, 0)
    code = PERMISSION_CHECK.format(src=str(ROOT / "python" / "src"), manifest=m.source, out=str(m.out_dir))
    cmd = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail("running as root, and setpriv (util-linux) is missing to drop the capabilities that read anything")
        drop = "-dac_override,-dac_read_search"
        cmd = [setpriv, "--bounding-set", drop, "--inh-caps", drop, "--", *cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": ""})
    assert p.returncode == 0, p.stderr
    got = sorted(tuple(line.split("|")) for line in p.stdout.strip().splitlines())
    assert [(g[0], g[1]) for g in got] == sorted([(locked[0], "unreadable"), (locked[1], "variant"), (locked[2], "unreadable")])
    assert all("Permission denied" in g[2] for g in got), got
