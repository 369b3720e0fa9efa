"""The Django middleware answers as ``prebake serve`` does (issue 24, item 10):
the cases of internal/serve/testdata/http-cases.json, which serve's Go test runs too,
through Django's test client and a real gunicorn process; and what only the
middleware has: variants the manifest does not list, the app's own files,
files replaced while serving."""

from __future__ import annotations

import email.parser
import email.policy
import gzip
import hashlib
import http.client
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import brotli
import pytest

from conftest import ROOT, Bake, gunicorn_server, write_bake

CASES: list[dict[str, Any]] = json.loads((ROOT / "internal" / "serve" / "testdata" / "http-cases.json").read_text(encoding="utf-8"))["cases"]
SUFFIX = {"br": ".br", "gzip": ".gz", "zstd": ".zst"}
SIZE = re.compile(r"\{n([+-][0-9]+)?\}")


def expand(s: str, size: int, etag: str) -> str:
    s = s.replace("{etag}", etag)
    return SIZE.sub(lambda m: str(size + int(m.group(1) or 0)), s)


Answer = tuple[int, Mapping[str, str], bytes]
Send = Callable[[str, str, Mapping[str, str]], Answer]


@pytest.fixture(scope="module")
def files(django_project: Bake) -> dict[str, str]:
    """The cases' files: URL path -> their path under the output directory."""
    m = json.loads(django_project.manifest.read_text(encoding="utf-8"))
    a = m["assets"]
    assert sorted(a["cmu/statistics.json"].get("encodings", {})) == ["br", "gzip"]
    assert "encodings" not in a["cmu/cmus.parquet"]
    ts = m["tilesets"]["maptiles/default/all"]
    assert ts.get("encodings") == ["br"]
    tile = ts["tilejson"]["tiles"][0].replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
    return {"asset": a["cmu/statistics.json"]["path"], "table": a["cmu/cmus.parquet"]["path"], "tile": tile}


@pytest.fixture(scope="module")
def test_client(django_project: Bake) -> Send:
    from django.test import Client

    c = Client()

    def send(method: str, url: str, headers: Mapping[str, str]) -> Answer:
        r = c.generic(method, url, headers=dict(headers))
        body = b"".join(r.streaming_content) if r.streaming else r.content
        return r.status_code, r.headers, body

    return send


@pytest.fixture(scope="module")
def gunicorn(django_project: Bake) -> Iterator[Send]:
    with gunicorn_server() as port:

        def send(method: str, url: str, headers: Mapping[str, str]) -> Answer:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request(method, url, headers=dict(headers))
                r = conn.getresponse()
                return r.status, r.headers, r.read()
            finally:
                conn.close()

        yield send


def run_case(send: Send, out: Path, files: Mapping[str, str], c: dict[str, Any], etags: dict[str, str]) -> list[str]:
    """Send one case's request; how the answer differs from the case (the
    same checks as serve/shared_cases_test.go's runCase)."""
    rel = files[c["file"]]
    url = "/static/prebake/" + rel
    pre = {k: v for k, v in c["headers"].items() if k == "Accept-Encoding"}
    _, hh, _ = send("HEAD", url, pre)
    enc = hh.get("Content-Encoding") or ""
    raw = (out / (rel + SUFFIX[enc] if enc else rel)).read_bytes()
    size, etag = len(raw), hh.get("ETag") or ""
    method = c.get("method", "GET")
    status, h, body = send(method, url, {k: expand(v, size, etag) for k, v in c["headers"].items()})
    p: list[str] = []
    if status != c["status"]:
        return [f"status {status}, want {c['status']}"]
    if ("Accept-Encoding" in (h.get("Vary") or "")) != c["vary"]:
        p.append(f"Vary {h.get('Vary')!r}, want Accept-Encoding {c['vary']}")
    if status in (200, 206):
        got_enc = h.get("Content-Encoding") or ""
        if got_enc != c["encoding"]:
            p.append(f"Content-Encoding {got_enc!r}, want {c['encoding']!r}")
        k = c["file"] + " " + got_enc
        if etags.setdefault(k, h.get("ETag") or "") != h.get("ETag"):
            p.append(f"ETag {h.get('ETag')}, earlier {etags[k]}")
    if method == "HEAD" and body:
        p.append("HEAD with a body")
    if status == 200:
        if method != "HEAD" and body != raw:
            p.append(f"body of {len(body)} bytes is not the file sent")
        if h.get("Content-Length") != str(size):
            p.append(f"Content-Length {h.get('Content-Length')!r}, want {size}")
    elif status == 206:
        want = [(int(expand(a, size, "")), int(expand(b, size, ""))) for a, b in c["ranges"]]
        if len(want) == 1:
            a, b = want[0]
            if h.get("Content-Range") != f"bytes {a}-{b}/{size}":
                p.append(f"Content-Range {h.get('Content-Range')!r}, want bytes {a}-{b}/{size}")
            if method != "HEAD" and body != raw[a : b + 1]:
                p.append("the range's bytes differ")
            if h.get("Content-Length") != str(b - a + 1):
                p.append(f"Content-Length {h.get('Content-Length')!r}")
        elif not (h.get("Content-Type") or "").startswith("multipart/byteranges; boundary="):
            p.append(f"Content-Type {h.get('Content-Type')!r} for {len(want)} ranges")
        elif method != "HEAD":
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(b"Content-Type: " + h["Content-Type"].encode() + b"\r\n\r\n" + body)
            parts = [(part["Content-Range"], part.get_payload(decode=True)) for part in msg.iter_parts()]
            if parts != [(f"bytes {a}-{b}/{size}", raw[a : b + 1]) for a, b in want]:
                p.append(f"parts {[(cr, len(d)) for cr, d in parts]}, want {want}")
            if h.get("Content-Length") != str(len(body)):
                p.append(f"Content-Length {h.get('Content-Length')!r}, body {len(body)}")
    elif status == 416:
        want_cr = expand(c["content_range"], size, etag) if c["content_range"] is not None else None
        if h.get("Content-Range") != want_cr:
            p.append(f"Content-Range {h.get('Content-Range')!r}, want {want_cr!r}")
    return p


@pytest.mark.parametrize("transport", ["test_client", "gunicorn"])
def test_shared_http_cases(transport: str, request: pytest.FixtureRequest, django_project: Bake, files: dict[str, str]) -> None:
    """Every case of the table serve's Go test runs too."""
    send: Send = request.getfixturevalue(transport)
    etags: dict[str, str] = {}
    failed = []
    for i, c in enumerate(CASES):
        if problems := run_case(send, django_project.out, files, c, etags):
            failed.append(f"{i} {c['file']} {c['headers']} ({c['note']}): {'; '.join(problems)}")
    assert not failed, "\n".join(failed)
    # one strong tag per representation, none shared
    assert len(set(etags.values())) == len(etags) == 6, etags  # asset: 3, tile: 2, table: 1
    assert all(re.fullmatch(r'"[0-9a-f]{32}(-br|-gzip)?"', e) for e in etags.values()), etags


def test_etag_is_serves(django_project: Bake, files: dict[str, str], test_client: Send) -> None:
    """The tag is serve's: the SHA-256 of the bytes sent, 128 bits, and the
    encoding for a variant."""
    for enc in ("", "br", "gzip"):
        _, h, _ = test_client("GET", "/static/prebake/" + files["asset"], {"Accept-Encoding": enc or "identity"})
        raw = (django_project.out / (files["asset"] + (SUFFIX[enc] if enc else ""))).read_bytes()
        assert h["ETag"] == '"' + hashlib.sha256(raw).hexdigest()[:32] + (f"-{enc}" if enc else "") + '"'
        assert "Last-Modified" not in h


def test_app_static_files(django_project: Bake, test_client: Send) -> None:
    """The app's own files get the same answers: -0 unsatisfiable, 406 when
    the original is refused, no Vary without variants."""
    manifest = json.loads((Path(os.environ["TEST_STATIC_ROOT"]) / "staticfiles.json").read_text())
    url = "/static/" + manifest["paths"]["checker/css/app.css"]
    status, h, body = test_client("GET", url, {})
    assert status == 200 and "Vary" not in h and h["ETag"].startswith('"')
    assert test_client("GET", url, {"Range": "bytes=-0"})[0] == 416
    status, h, part = test_client("GET", url, {"Range": "bytes=0-4"})
    assert status == 206 and part == body[:5] and h["Content-Range"] == f"bytes 0-4/{len(body)}"
    assert test_client("GET", url, {"Accept-Encoding": "identity;q=0"})[0] == 406


@pytest.fixture
def small_site(tmp_path: Path) -> tuple[Path, str]:
    """A bake of one shard set listing br only, with a gzip and a zstd variant
    an older bake left beside each file, served by a middleware built for it
    (PREBAKE_MANIFEST and PREBAKE_OUT_DIR pointed at it, in both of
    WhiteNoise's modes)."""
    shard = b'{"k": "' + b"v" * 400 + b'"}'
    m = write_bake(tmp_path, {}, {"k": shard}, shard_encodings={"br": brotli.compress(shard)})
    sdir = json.loads(m.read_text())["shardsets"]["s"]["path"]
    f = tmp_path / "out" / sdir / "k.json"
    Path(str(f) + ".gz").write_bytes(gzip.compress(shard))
    Path(str(f) + ".zst").write_bytes(b"\x28\xb5\x2f\xfd" + shard)  # zstd's frame magic
    return tmp_path, f"/static/prebake/{sdir}/k.json"


def middleware_for(site: Path, debug: bool) -> Any:
    from django.test import override_settings

    from prebake.django import load_manifest
    from prebake.django.middleware import WhiteNoiseMiddleware

    try:
        with override_settings(DEBUG=debug, PREBAKE_MANIFEST=str(site / "manifest.json"), PREBAKE_OUT_DIR=str(site / "out")):
            load_manifest()
            mw = WhiteNoiseMiddleware(lambda request: None)
    finally:
        load_manifest()  # the session's manifest again, the settings being back
    assert mw.autorefresh == debug
    return mw


def respond(mw: Any, url: str, headers: Mapping[str, str], method: str = "GET") -> Any:
    f = mw.find_file(url) if mw.autorefresh else mw.files.get(url)
    if f is None:
        return None
    r = f.get_response(method, {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    if r.file is not None:
        r.file.close()
    return r


@pytest.mark.parametrize("debug", [False, True])
def test_only_listed_variants(django_project: Bake, small_site: tuple[Path, str], debug: bool) -> None:
    """Variants an older bake left beside a file (.gz, .zst) are not sent: only
    those the manifest lists (br), as serve does; the leftovers are not files
    of their own either."""
    site, url = small_site
    mw = middleware_for(site, debug)
    for accept, want in [("zstd, br", "br"), ("zstd, gzip", None), ("gzip", None), ("zstd", None), ("br;q=0.5, gzip", "br")]:
        r = respond(mw, url, {"Accept-Encoding": accept})
        h = dict(r.headers)
        assert r.status == 200 and h.get("Content-Encoding") == want and h["Vary"] == "Accept-Encoding", (accept, h)
    for leftover in (".gz", ".zst", ".br"):
        assert respond(mw, url + leftover, {}) is None, leftover


@pytest.mark.parametrize("debug", [False, True])
def test_files_replaced_while_serving(django_project: Bake, small_site: tuple[Path, str], debug: bool) -> None:
    """A variant deleted after start-up: the next acceptable representation;
    the file replaced by a FIFO: not found, at once (never waited on)."""
    site, url = small_site
    mw = middleware_for(site, debug)
    f = site / "out" / url.removeprefix("/static/prebake/")
    Path(str(f) + ".br").unlink()
    r = respond(mw, url, {"Accept-Encoding": "br"})
    assert r.status == 200 and "Content-Encoding" not in dict(r.headers)
    assert respond(mw, url, {"Accept-Encoding": "br, identity;q=0"}).status == 406
    f.unlink()
    os.mkfifo(f)
    got: list[Any] = []
    t = threading.Thread(target=lambda: got.append(respond(mw, url, {})), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "a FIFO hung the request"
    if debug:  # looked up per request: no such file
        assert got == [None]
    else:  # known since start-up: opened, found not to be a file
        assert got[0].status == 404
