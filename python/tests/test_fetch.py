"""A fetch's timeout bounds the whole request (issue 24, item 7): real slow
servers on 127.0.0.1 that dribble the headers, dribble the body, say nothing,
or redirect slowly, each answered within the timeout plus a small margin."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

import prebake
from prebake.manifest import ManifestError, fetch
from conftest import write_bake

# Generous for a loaded 2-core machine; the hostile servers below would hold a
# per-read timeout for 10 s or more.
MARGIN = 1.5

Script = Callable[[socket.socket, str, threading.Event], None]


@contextmanager
def raw_server(script: Script) -> Iterator[str]:
    """A threaded TCP server on 127.0.0.1 that reads a request's head and runs
    ``script(conn, path, stop)``; yields its base URL. Stopping sets ``stop``,
    which every script checks between its slow steps."""
    stop = threading.Event()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            head = b""
            self.request.settimeout(10)
            while b"\r\n\r\n" not in head:
                chunk = self.request.recv(4096)
                if not chunk:
                    return
                head += chunk
            path = head.split(b" ", 2)[1].decode()
            try:
                script(self.request, path, stop)
            except OSError:
                pass  # the client gave up: what the tests want

    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        stop.set()
        srv.shutdown()
        srv.server_close()


def drip(conn: socket.socket, data: bytes, every: float, stop: threading.Event) -> None:
    for i in range(len(data)):
        if stop.wait(every):
            return
        conn.sendall(data[i : i + 1])


MANIFEST = b'{"schema_version": 1, "build_id": "0123456789abcdef", "assets": {}}'


def ok_head(n: int) -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n\r\n".encode()


def body_drip(conn: socket.socket, path: str, stop: threading.Event) -> None:
    conn.sendall(ok_head(len(MANIFEST) + 90))
    drip(conn, MANIFEST + b" " * 90, 0.5, stop)  # 45 s in all


def head_drip(conn: socket.socket, path: str, stop: threading.Event) -> None:
    drip(conn, ok_head(len(MANIFEST)) + MANIFEST, 0.3, stop)


def silent(conn: socket.socket, path: str, stop: threading.Event) -> None:
    stop.wait(60)


def slow_redirects(conn: socket.socket, path: str, stop: threading.Event) -> None:
    """/hop/N waits 0.7 s, then redirects to /hop/N+1; /hop/6 is the manifest:
    each response alone is quick enough, together they take 4.2 s."""
    n = int(path.rsplit("/", 1)[-1])
    if stop.wait(0.7):
        return
    if n < 6:
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: /hop/{n + 1}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
    else:
        conn.sendall(ok_head(len(MANIFEST)) + MANIFEST)


@pytest.mark.parametrize("script", [body_drip, head_drip, silent, slow_redirects], ids=lambda s: s.__name__)
@pytest.mark.parametrize("timeout", [1.0, 2.0])
def test_hostile_server_bounded(script: Script, timeout: float) -> None:
    with raw_server(script) as url:
        t0 = time.monotonic()
        with pytest.raises(ManifestError) as e:
            prebake.load(f"{url}/hop/0", timeout=timeout)
        took = time.monotonic() - t0
    assert timeout - 0.05 <= took <= timeout + MARGIN, took
    assert f"no complete response within {timeout:g} s" in str(e.value)
    assert "127.0.0.1" in str(e.value)


def test_slow_but_in_time() -> None:
    """A server that is slow but finishes in time is not cut off: the deadline
    is for the request, not each step; redirects within it are followed."""
    def script(conn: socket.socket, path: str, stop: threading.Event) -> None:
        if path == "/first":
            conn.sendall(b"HTTP/1.1 301 Moved\r\nLocation: /manifest.json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        conn.sendall(ok_head(len(MANIFEST)))
        for part in (MANIFEST[:20], MANIFEST[20:40], MANIFEST[40:]):
            if stop.wait(0.3):
                return
            conn.sendall(part)

    with raw_server(script) as url:
        m = prebake.load(f"{url}/first", timeout=5)
        assert m.build_id == "0123456789abcdef"
        assert fetch(f"{url}/manifest.json", timeout=5) == MANIFEST


def test_reads_through_a_manifest_use_its_timeout(tmp_path) -> None:
    """read_bytes and read_shard of a manifest loaded with timeout=1 are
    bounded by it too."""
    import json

    write_bake(tmp_path, {"a/one.json": b'{"x": 1}\n'}, {"k": b"{}"})
    man = (tmp_path / "manifest.json").read_bytes()

    def script(conn: socket.socket, path: str, stop: threading.Event) -> None:
        if path.endswith("manifest.json"):
            conn.sendall(ok_head(len(man)) + man)
            return
        conn.sendall(ok_head(100))
        drip(conn, b" " * 100, 0.5, stop)

    with raw_server(script) as url:
        m = prebake.load(f"{url}/manifest.json", timeout=1)
        assert json.loads(man)["build_id"] == m.build_id
        for call in (lambda: m.read_bytes("a/one.json"), lambda: m.read_shard("s", "k")):
            t0 = time.monotonic()
            with pytest.raises(ManifestError, match="no complete response within 1 s"):
                call()
            assert time.monotonic() - t0 <= 1 + MARGIN


def test_https_handshake_bounded() -> None:
    """https:// to a server that never answers the TLS handshake: bounded by
    the same deadline (the handshake is stepped with the time left)."""
    with raw_server(silent) as url:
        t0 = time.monotonic()
        with pytest.raises(ManifestError) as e:
            prebake.load(url.replace("http://", "https://") + "/manifest.json", timeout=1)
        took = time.monotonic() - t0
    assert 0.95 <= took <= 1 + MARGIN, took
    assert "https://127.0.0.1" in str(e.value) and "no complete response within 1 s" in str(e.value)
