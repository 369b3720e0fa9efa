"""Paths and keys never leave the bake (issue 24, item 4): Go's CheckPath
rules, from the case table Go's test reads too, applied to every path a
manifest names (assets, variants, tile sets, shard sets; from a file, bytes,
a mapping or a URL) and to every shard key, on disk and over HTTP."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import prebake
from prebake.manifest import Manifest, ManifestError, check_path
from conftest import ROOT, http_server, write_bake

CASES = json.loads((ROOT / "manifest" / "testdata" / "checkpath.json").read_text(encoding="utf-8"))["cases"]


def case_path(c: dict[str, Any]) -> str:
    if "hex" in c:
        # Invalid UTF-8 reaches Python as a str holding lone surrogates (what
        # os.fsdecode and json's "\\udcff" escapes give).
        return bytes.fromhex(c["hex"]).decode("utf-8", "surrogateescape")
    return str(c["path"] * c.get("times", 1) + c.get("suffix", ""))


BAD = [c for c in CASES if not c["ok"]]


def test_case_table_is_broad() -> None:
    assert len(CASES) >= 50 and len(BAD) >= 30
    reasons = {c["reason"] for c in BAD}
    for want in ("empty path", "is absolute", "backslash", "drive letter", "control character", "empty segment",
                 '".." segment', "hidden segment", "longer than 1024 bytes", "segment longer than 200 bytes", "not valid UTF-8"):
        assert want in reasons


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["note"][:40])
def test_check_path_agrees_with_go(case: dict[str, Any]) -> None:
    p = case_path(case)
    if case["ok"]:
        check_path(p)
    else:
        with pytest.raises(ValueError, match=re.escape(case["reason"])):
            check_path(p)


def _good() -> dict[str, Any]:
    h = "ab" * 32
    return {
        "schema_version": 1, "build_id": "0123456789abcdef", "base_url": "",
        "assets": {"a.json": {"path": "a.abababababababab.json", "url": "a.abababababababab.json", "sha256": h, "size": 2,
                              "encodings": {"br": {"path": "a.abababababababab.json.br", "size": 1}}}},
        "tilesets": {"t": {"path": "t.abababababababab", "index": "t.abababababababab.sha256", "sha256": h, "format": "geojson"}},
        "shardsets": {"s": {"path": "s.abababababababab", "url": "s.abababababababab/{k}.json", "key": "k",
                            "index": "s.abababababababab.sha256", "sha256": h}},
    }


def _placed(bad: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The manifest with ``bad`` in each place a path can be, URLs kept
    consistent so the path itself is what is refused: (place, field, data)."""
    out = []
    for place, field in [("assets", "path"), ("tilesets", "path"), ("tilesets", "index"), ("shardsets", "path"), ("shardsets", "index")]:
        if bad == "" and place != "assets":
            continue  # a set without a path or index is allowed, as in Go: test_empty_set_path
        d = _good()
        entry = next(iter(d[place].values()))
        entry[field] = bad
        if place == "assets":
            entry["url"] = bad
            entry["encodings"]["br"]["path"] = bad + ".br"
        if place == "shardsets" and field == "path":
            entry["url"] = bad + "/{k}.json"
        out.append((place, field, d))
    return out


def test_empty_set_path() -> None:
    """Go's Validate allows a set without a path or index (checkSet); such a
    shard set then has no file for any key."""
    d = _good()
    d["tilesets"]["t"].update(path="", index="")
    d["shardsets"]["s"].update(path="", index="", url="{k}.json")
    m = Manifest(d)
    with pytest.raises(ValueError, match="is absolute"):
        m.read_shard("s", "x")


LOADERS: dict[str, Callable[[dict[str, Any], Path], Manifest]] = {
    "mapping": lambda d, tmp: Manifest(d),
    "bytes": lambda d, tmp: Manifest.from_bytes(json.dumps(d).encode()),
    "file": lambda d, tmp: (tmp / "m.json").write_text(json.dumps(d)) and prebake.load(tmp / "m.json", out_dir=tmp),
}


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_every_loader_refuses_every_bad_path(loader: str, tmp_path: Path) -> None:
    assert LOADERS[loader](_good(), tmp_path).build_id == "0123456789abcdef"
    for c in BAD:
        for place, field, d in _placed(case_path(c)):
            with pytest.raises(ManifestError, match=rf"{place}\[.*field '{field}'.*{re.escape(c['reason'])}"):
                LOADERS[loader](d, tmp_path)


def test_url_loader_refuses_every_bad_path(tmp_path: Path) -> None:
    with http_server(tmp_path) as (url, _):
        for i, c in enumerate(BAD):
            if "\x00" in case_path(c) or "hex" in c:
                continue  # json.dumps escapes these; the bytes loader covers them
            for j, (place, field, d) in enumerate(_placed(case_path(c))):
                (tmp_path / f"{i}-{j}.json").write_text(json.dumps(d))
                with pytest.raises(ManifestError, match=rf"{place}\[.*field '{field}'.*{re.escape(c['reason'])}"):
                    prebake.load(f"{url}/{i}-{j}.json", out_dir=tmp_path)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda d: d["assets"]["a.json"].update(url="/etc/passwd"), "field 'url' '/etc/passwd' is not base_url"),
        (lambda d: d["assets"]["a.json"].update(url="file:///etc/passwd"), "is not base_url"),
        (lambda d: d["assets"]["a.json"].update(url="../a.abababababababab.json"), "is not base_url"),
        (lambda d: d["assets"]["a.json"]["encodings"]["br"].update(path="/etc/passwd"), "br variant path '/etc/passwd'"),
        (lambda d: d["assets"]["a.json"]["encodings"]["br"].update(path="a.abababababababab.json.gz"), "br variant path"),
        (lambda d: d["assets"]["a.json"]["encodings"].update(lzma={"path": "a.abababababababab.json.xz"}), "unknown encoding 'lzma'"),
        (lambda d: d["shardsets"]["s"].update(url="../../{k}.json"), "field 'url' '../../{k}.json' is not base_url"),
        (lambda d: d["shardsets"]["s"].update(url="s.abababababababab/{k}/x.json"), "is not base_url"),
        (lambda d: d["shardsets"]["s"].update(url="/abs/s.abababababababab/{k}.json"), "is not base_url"),
    ],
)
def test_urls_name_the_checked_path(edit: Callable[[dict[str, Any]], None], match: str) -> None:
    """Beyond Go's Validate: a URL is base_url + "/" + path (docs/manifest.md),
    so no URL names another file than its checked path."""
    d = _good()
    edit(d)
    with pytest.raises(ManifestError, match=re.escape(match)):
        Manifest(d)


# Keys that name no file of a set, whether read from disk or a URL.
BAD_KEYS = ["../../X", "../../../X", "..", ".", "", "a/b", "/etc/passwd", "x/../y", "..\\..\\x", "a\\b", "a\x00", "a\nb",
            "\x7f", ".prebake", ".hidden", "é" * 101, "x" * 196, "\udcff", "./x", "..x"]
# Odd but harmless keys: a file of the set's own directory (absent here).
ODD_KEYS = ["%2e%2e", "%2F", "C:", "a b", "x..", "\u202e", "\u2215", "x" * 195]


@pytest.fixture
def bake(tmp_path: Path) -> Manifest:
    m = write_bake(tmp_path / "bake", {"a/one.json": b'{"x": 1}\n'}, {"k": b'{"k": true}\n'})
    # Files an escaping key would reach, so a read of them would show.
    for rel in ["X.json", "bake/X.json", "bake/out/X.json", "y.json", "bake/out/y.json"]:
        (tmp_path / rel).write_text('{"secret": true}')
    return prebake.load(m, out_dir=tmp_path / "bake" / "out")


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_bad_shard_keys_refused_everywhere(bake: Manifest, key: str) -> None:
    for call in (bake.read_shard, bake.shard_path, bake.shard_url):
        with pytest.raises(ValueError, match=r"shard set 's': key .* names no file of the set"):
            call("s", key)


@pytest.mark.parametrize("key", ODD_KEYS, ids=repr)
def test_odd_keys_stay_in_the_set(bake: Manifest, key: str) -> None:
    assert bake.read_shard("s", key) is None
    assert bake.shard_path("s", key).parent == bake.out_dir / bake.shardset("s")["path"]
    url = bake.shard_url("s", key)
    assert url.startswith(bake.shardset("s")["path"] + "/") and url.count("/") == 1, url


def test_shard_key_type(bake: Manifest) -> None:
    with pytest.raises(TypeError, match="key must be a str, not int"):
        bake.read_shard("s", 7)  # type: ignore[arg-type]


def test_postcode_cannot_escape(tmp_path: Path) -> None:
    """The issue's example and variants: an outcode that is a path."""
    m = write_bake(tmp_path / "bake", {}, {"SW1A": b'{"centroid": [51.5, -0.14]}'})
    data = json.loads(m.read_text())
    data["shardsets"] = {"postcodes": {**data["shardsets"]["s"], "key": "outcode", "url": data["shardsets"]["s"]["url"].replace("{key}", "{outcode}")}}
    m.write_text(json.dumps(data))
    for rel in ["X.json", "bake/X.json", "bake/out/X.json", "bake/out/...json"]:
        (tmp_path / rel).write_text('{"centroid": [0, 0]}')
    man = prebake.load(m, out_dir=tmp_path / "bake" / "out")
    assert prebake.postcode_location("SW1A 1AA", man) == prebake.PostcodeLocation("SW1A 1AA", 51.5, -0.14, "outcode")
    for pc in ["../../X 1AA", "../X 1AA", "..\\X 1AA", "... 1AA", "/X 1AA", "X/.. 1AA", "X\x00 1AA", "../../../X1AA"]:
        with pytest.raises(ValueError, match="names no file of the set"):
            prebake.postcode_location(pc, man)


def test_url_manifest_keys_and_local_files(tmp_path: Path) -> None:
    """A manifest over HTTP: bad keys are refused before any request, odd
    ones are percent-encoded into the set's directory, and a base_url of
    file: cannot make read_bytes read a local file."""
    site = tmp_path / "site"
    man = write_bake(site, {"a/one.json": b'{"x": 1}\n'}, {"k": b'{"k": true}\n'})
    site = site / "out"  # the manifest beside the files, as an upload has it
    man.rename(site / "manifest.json")
    (tmp_path / "X.json").write_text('{"secret": true}')
    with http_server(tmp_path) as (url, requested):
        m = prebake.load(f"{url}/site/out/manifest.json")
        assert m.read_shard("s", "k") == {"k": True}
        before = len(requested)
        for key in BAD_KEYS:
            with pytest.raises(ValueError):
                m.read_shard("s", key)
        assert len(requested) == before
        for key in ODD_KEYS:
            assert m.read_shard("s", key) is None  # HTTP 404 inside the set's directory
        sdir = "/site/out/" + m.shardset("s")["path"] + "/"
        assert all(p.startswith(sdir) for p in requested[before:]), requested[before:]
        assert f"{sdir}%252e%252e.json" in requested

        # A manifest whose base_url is file: names local files: refused over HTTP.
        data = json.loads((site / "manifest.json").read_text())
        local = site.as_uri()
        data["base_url"] = local
        for a in data["assets"].values():
            a["url"] = local + "/" + a["path"]
        data["shardsets"]["s"]["url"] = local + "/" + data["shardsets"]["s"]["path"] + "/{key}.json"
        (site / "file-base.json").write_text(json.dumps(data))
        m = prebake.load(f"{url}/site/out/file-base.json")
        with pytest.raises(ManifestError, match="loaded over HTTP.* may not name a local file"):
            m.read_bytes("a/one.json")
        with pytest.raises(ManifestError, match="may not name a local file"):
            m.read_shard("s", "k")
        # ... unless the caller chose that base (PREBAKE_BASE_URL), or the manifest is local.
        assert prebake.load(f"{url}/site/out/file-base.json", base_url=local).read_bytes("a/one.json") == b'{"x": 1}\n'
        assert prebake.load(site / "file-base.json").read_bytes("a/one.json") == b'{"x": 1}\n'


def test_local_reads_stay_in_regular_files(bake: Manifest, tmp_path: Path) -> None:
    """Symlinks out of the bake, directories and FIFOs are refused, as
    ``prebake serve`` refuses them; a symlink inside the bake is followed."""
    out = bake.out_dir
    assert out is not None
    p = bake.path("a/one.json")
    outside = tmp_path / "outside.json"
    outside.write_bytes(p.read_bytes())  # the same bytes: refused for where it is, not what it holds
    p.unlink()
    p.symlink_to(outside)
    with pytest.raises(ManifestError, match="resolves outside the output directory"):
        bake.read_bytes("a/one.json")
    p.unlink()
    (out / "a" / "elsewhere.json").write_bytes(outside.read_bytes())
    p.symlink_to(out / "a" / "elsewhere.json")
    assert bake.read_bytes("a/one.json", verify=True) == b'{"x": 1}\n'
    p.unlink()
    p.mkdir()
    with pytest.raises(ManifestError, match="is a directory"):
        bake.read_bytes("a/one.json")
    # the set's directory as a symlink out of the bake
    sdir = out / bake.shardset("s")["path"]
    sdir.rename(tmp_path / "moved")
    sdir.symlink_to(tmp_path / "moved")
    with pytest.raises(ManifestError, match="resolves outside"):
        bake.read_shard("s", "k")
    sdir.unlink()
    (tmp_path / "moved").rename(sdir)
    (sdir / "k.json").unlink()
    os.mkfifo(sdir / "k.json")
    got: list[BaseException] = []

    def read() -> None:
        try:
            bake.read_shard("s", "k")
        except BaseException as e:  # noqa: BLE001 - handed to the test thread
            got.append(e)

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(5)
    assert not t.is_alive(), "reading a FIFO hung"
    assert len(got) == 1 and isinstance(got[0], ManifestError) and "is a FIFO" in str(got[0])


def test_out_dir_itself_may_be_a_symlink(bake: Manifest, tmp_path: Path) -> None:
    """A deploy that points a symlink at the current bake keeps working."""
    link = tmp_path / "current"
    assert bake.out_dir is not None
    link.symlink_to(bake.out_dir)
    m = Manifest(bake.data, out_dir=link)
    assert m.read_bytes("a/one.json", verify=True) == b'{"x": 1}\n'
    assert m.read_shard("s", "k") == {"k": True}
