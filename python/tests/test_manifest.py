"""The manifest reader: paths, URLs, schema check, lookups of names, integrity."""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import prebake
from prebake.manifest import IntegrityError, Manifest, ManifestError
from conftest import http_server

ROOT = Path(__file__).resolve().parents[2]
# The committed manifest of the bundled sample (`make run` reproduces it).
SAMPLE_MANIFEST = ROOT / "cmd" / "prebake" / "testdata" / "sample-manifest.json"


@pytest.fixture(scope="module")
def sample() -> Manifest:
    """The committed manifest of the bundled sample (no files needed)."""
    return prebake.load(SAMPLE_MANIFEST)


def test_committed_manifest_names(sample: Manifest) -> None:
    raw = json.loads(SAMPLE_MANIFEST.read_text())
    a = raw["assets"]["cmu/cmus.parquet"]
    assert sample.schema_version == 1
    assert sample.build_id == raw["build_id"]
    assert sample.synthetic is True
    assert sample.url("cmu/cmus.parquet") == a["url"] == a["path"]
    s = raw["shardsets"]["postcodes"]
    assert sample.shard_url("postcodes", "WF11") == s["url"].replace("{outcode}", "WF11")
    # keys are percent-encoded; "/" names no file of a set (test_paths.py)
    assert sample.shard_url("postcodes", "A B%").endswith("/A%20B%25.json")
    with pytest.raises(ValueError, match="names no file of the set"):
        sample.shard_url("postcodes", "A/B C")
    assert sample.tiles_url("maptiles/default/DSR") == raw["tilesets"]["maptiles/default/DSR"]["tilejson"]["tiles"][0]


@pytest.mark.parametrize(
    "base, want",
    [
        ("https://cdn.example.org/prebake", "https://cdn.example.org/prebake/"),
        ("https://cdn.example.org/prebake/", "https://cdn.example.org/prebake/"),
        ("/static/prebake", "/static/prebake/"),
        ("", ""),
    ],
)
def test_base_url_override(sample: Manifest, base: str, want: str) -> None:
    m = Manifest(sample.data, base_url=base)
    path = sample.asset("cmu/cmus.parquet")["path"]
    assert m.url("cmu/cmus.parquet") == want + path
    ss = sample.shardset("cmu/component_details")
    assert m.shard_url("cmu/component_details", "7") == want + ss["path"] + "/7.json"


def test_manifest_base_url_is_replaced(sample: Manifest) -> None:
    data = json.loads(json.dumps(sample.data))
    data["base_url"] = "https://old.example.org/x"
    for a in data["assets"].values():
        a["url"] = "https://old.example.org/x/" + a["path"]
    for s in data["shardsets"].values():
        s["url"] = "https://old.example.org/x/" + s["url"]
    assert Manifest(data).url("cmu/cmus.json") == "https://old.example.org/x/" + data["assets"]["cmu/cmus.json"]["path"]
    assert Manifest(data, base_url="https://new.example.org").url("cmu/cmus.json") == "https://new.example.org/" + data["assets"]["cmu/cmus.json"]["path"]


def test_unknown_name_says_what_exists(sample: Manifest) -> None:
    with pytest.raises(KeyError, match=r"cmu/cmus\.parque.*build .*did you mean cmu/cmus\.parquet"):
        sample.url("cmu/cmus.parque")
    with pytest.raises(KeyError, match="shard set 'postcode'"):
        sample.shard_url("postcode", "WF11")


def test_path_needs_out_dir(sample: Manifest, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no output directory"):
        sample.path("cmu/cmus.parquet")
    m = prebake.load(SAMPLE_MANIFEST, out_dir=tmp_path)
    assert m.path("cmu/cmus.parquet") == tmp_path / m.asset("cmu/cmus.parquet")["path"]
    ss = m.shardset("postcodes")
    assert m.shard_path("postcodes", "WF11") == tmp_path / ss["path"] / "WF11.json"


@pytest.mark.parametrize(
    "content, match",
    [
        (b"{", "not JSON"),
        (b"[]", "not a prebake manifest"),
        (b'{"assets": {}}', "no schema_version"),
        (b'{"schema_version": 2, "assets": {}}', "schema_version 2; this reader .* reads 1"),
        (b'{"schema_version": "1"}', "schema_version '1' is not an integer"),
        (b'{"schema_version": 1, "assets": []}', "'assets' is not an object"),
        # an entry without a field the reader uses fails at load, naming the
        # entry and the field, not later as a bare KeyError or TypeError
        (b'{"schema_version": 1, "assets": {"cmu/cmus.parquet": "x"}}', r"assets\['cmu/cmus.parquet'\]: not an object"),
        (b'{"schema_version": 1, "assets": {"a.json": {"path": "a.1.json", "sha256": "00", "size": 1}}}', r"assets\['a.json'\]: field 'url' is missing"),
        (b'{"schema_version": 1, "assets": {"a.json": {"path": 5, "url": "a", "sha256": "00", "size": 1}}}', r"assets\['a.json'\]: field 'path' is not a string"),
        (b'{"schema_version": 1, "assets": {"a.json": {"path": "a", "url": "a", "sha256": "00", "size": "1"}}}', r"assets\['a.json'\]: field 'size' is not an integer"),
        (b'{"schema_version": 1, "shardsets": {"postcodes": {"path": "p", "key": "outcode"}}}', r"shardsets\['postcodes'\]: field 'url' is missing"),
        (b'{"schema_version": 1, "shardsets": {"p": {"path": "p", "url": "p/x.json", "key": "outcode"}}}', r"shardsets\['p'\]: field 'url' lacks \{outcode\}"),
        (b'{"schema_version": 1, "tilesets": {"maptiles/DSR": {"format": "geojson"}}}', r"tilesets\['maptiles/DSR'\]: field 'path' is missing"),
    ],
)
def test_bad_manifests(tmp_path: Path, content: bytes, match: str) -> None:
    p = tmp_path / "manifest.json"
    p.write_bytes(content)
    with pytest.raises(ManifestError, match=match):
        prebake.load(p)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no manifest"):
        prebake.load(tmp_path / "manifest.json")


@pytest.fixture
def small_bake(tmp_path: Path) -> Manifest:
    """A hand-made bake of two files, to damage."""
    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    files = {"a/one.json": b'{"x": 1}\n', "a/two.txt": b"two\n"}
    assets = {}
    for name, data in files.items():
        h = hashlib.sha256(data).hexdigest()
        stem, ext = name.rsplit(".", 1)
        path = f"{stem}.{h[:16]}.{ext}"
        (out / path).write_bytes(data)
        assets[name] = {"path": path, "url": path, "sha256": h, "size": len(data)}
    (out / "s.0123456789abcdef").mkdir()
    shard = b'{"k": true}\n'
    (out / "s.0123456789abcdef" / "k.json").write_bytes(shard)
    index = (hashlib.sha256(shard).hexdigest() + "  k.json\n").encode()
    (out / "s.0123456789abcdef.sha256").write_bytes(index)
    shardsets = {"s": {"path": "s.0123456789abcdef", "url": "s.0123456789abcdef/{key}.json", "key": "key", "index": "s.0123456789abcdef.sha256", "sha256": hashlib.sha256(index).hexdigest()}}
    m = {"schema_version": 1, "build_id": "00", "base_url": "", "assets": assets, "tilesets": {}, "shardsets": shardsets}
    (tmp_path / "manifest.json").write_text(json.dumps(m))
    return prebake.load(tmp_path / "manifest.json", out_dir=out)


def test_verify(small_bake: Manifest) -> None:
    m = small_bake
    assert m.verify(files=True) == []
    assert m.read_bytes("a/one.json", verify=True) == b'{"x": 1}\n'
    assert m.read_shard("s", "k") == {"k": True}
    assert m.read_shard("s", "nope") is None

    m.path("a/one.json").write_bytes(b'{"x": 2}\n')  # same size, other bytes
    m.path("a/two.txt").unlink()
    (m.out_dir / "s.0123456789abcdef" / "k.json").write_bytes(b"{}\n")
    got = {(p.name, p.reason) for p in m.verify(files=True)}
    assert got == {("a/one.json", "sha256"), ("a/two.txt", "missing"), ("s", "sha256")}
    assert {(p.name, p.reason) for p in m.verify()} == {("a/one.json", "sha256"), ("a/two.txt", "missing")}
    with pytest.raises(IntegrityError, match="SHA-256 differs"):
        m.read_bytes("a/one.json", verify=True)
    with pytest.raises(IntegrityError, match="2 problem"):
        m.check()
    m.path("a/one.json").write_bytes(b"{}")
    with pytest.raises(IntegrityError, match="2 bytes, the manifest says 9"):
        m.read_bytes("a/one.json", verify=True)


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on a free localhost port, serving tmp_path."""
    with http_server(tmp_path) as (url, _):
        yield url, tmp_path


def test_load_from_url(small_bake: Manifest, http_root: tuple[str, Path]) -> None:
    url, root = http_root
    shutil.copytree(small_bake.out_dir, root / "site")
    shutil.copy(small_bake.source, root / "site" / "manifest.json")
    m = prebake.load(f"{url}/site/manifest.json")
    # the manifest's URLs are relative: they resolve against the manifest's URL
    assert m.url("a/one.json") == f"{url}/site/" + m.asset("a/one.json")["path"]
    assert m.read_bytes("a/one.json", verify=True) == b'{"x": 1}\n'
    assert m.read_shard("s", "k") == {"k": True}
    assert m.read_shard("s", "missing") is None  # HTTP 404
    with pytest.raises(FileNotFoundError, match="404"):
        prebake.load(f"{url}/nowhere/manifest.json")


def test_load_real_manifest(real_bake) -> None:
    m = prebake.load(real_bake.manifest, out_dir=real_bake.out)
    assert not m.synthetic
    assert m.verify() == []  # every asset re-hashed, every set's index checked


class _BasicAuthHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files only to user "me" with password "top:secret/ö" (HTTP Basic)."""

    def do_GET(self) -> None:
        want = "Basic " + base64.b64encode("me:top:secret/ö".encode()).decode()
        if self.headers.get("Authorization") != want:
            self.send_error(401)
            return
        super().do_GET()

    def log_message(self, *a: object) -> None:
        pass


def test_url_credentials_used_and_never_shown(small_bake: Manifest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A URL's user:password is sent as HTTP Basic auth (urllib alone takes it
    for part of the host) and never appears in an error or repr: it is shown
    as user:xxxxx."""
    root = tmp_path_factory.mktemp("auth")
    shutil.copytree(small_bake.out_dir, root / "site")
    shutil.copy(small_bake.source, root / "site" / "manifest.json")
    (root / "site" / "notjson.json").write_text("nope")
    (root / "site" / "array.json").write_text("[]")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_BasicAuthHandler, directory=str(root)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        host = f"127.0.0.1:{srv.server_address[1]}"
        good = f"http://me:top%3Asecret%2F%C3%B6@{host}/site"
        m = prebake.load(f"{good}/manifest.json")
        assert m.read_bytes("a/one.json", verify=True) == b'{"x": 1}\n'
        assert m.read_shard("s", "k") == {"k": True}
        shown = [repr(m), str(m)]
        with pytest.raises(KeyError) as e:
            m.asset("nope")
        shown.append(str(e.value))
        (root / "site" / m.asset("a/two.txt")["path"]).unlink()
        with pytest.raises(FileNotFoundError) as e:
            m.read_bytes("a/two.txt")
        shown.append(str(e.value))
        for url, err, match in [
            (f"{good}/nowhere.json", FileNotFoundError, "HTTP 404"),
            (f"{good}/notjson.json", ManifestError, "not JSON"),
            (f"{good}/array.json", ManifestError, "not a prebake manifest"),
            (f"http://me:wrongsecret@{host}/site/manifest.json", ManifestError, "HTTP 401"),
            ("http://me:topsecret@127.0.0.1:1/manifest.json", ManifestError, "127.0.0.1:1"),
            ("https://me:topsecret@host:notaport/manifest.json", ManifestError, "host:notaport"),
        ]:
            with pytest.raises(err, match=match) as e:
                prebake.load(url)
            shown.append(str(e.value))
    finally:
        srv.shutdown()
        srv.server_close()
    for s in shown:
        assert "secret" not in s and "%3A" not in s, s
        assert "me:xxxxx@" in s or "a/two.txt" in s, s
