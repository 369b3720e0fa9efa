"""Reading prebake's ``manifest.json``: names to URLs, paths and bytes.

The manifest's fields are documented in the repository's ``docs/manifest.md``;
``manifest/manifest.schema.json`` in the repository is its JSON Schema. A manifest is read once (from a
path or an ``http(s)``/``file`` URL) and answers from memory; only
:meth:`Manifest.read_bytes`, :meth:`Manifest.read_shard` and
:meth:`Manifest.verify` touch files or the network.
"""

from __future__ import annotations

import base64
import difflib
import functools
import gzip
import hashlib
import http.client
import io
import json
import os
import posixpath
import socket
import ssl
import stat
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Union

#: Manifest layouts this reader understands (the manifest's ``schema_version``).
SCHEMA_VERSIONS = (1,)

#: Seconds one request for a remote manifest or file may take in all
#: (connecting, redirects, headers and body) before it is abandoned.
FETCH_TIMEOUT = 30.0

PathLike = Union[str, "os.PathLike[str]"]


class ManifestError(Exception):
    """The manifest cannot be read, is not a prebake manifest, or lacks a name."""


class IntegrityError(ManifestError):
    """A file's bytes do not match the size or SHA-256 the manifest records."""


@dataclass(frozen=True)
class Problem:
    """One finding of :meth:`Manifest.verify`.

    ``name`` is the logical name (asset, tile set or shard set), ``path`` the file
    (relative to the output directory), ``reason`` one of ``missing``,
    ``unreadable`` (a directory, FIFO or other non-regular file, permission
    denied, a symlink out of the output directory), ``size``, ``sha256``,
    ``index`` or ``variant`` (a pre-compressed variant missing, unreadable or
    of the wrong size), ``detail`` a sentence for a log.
    """

    name: str
    path: str
    reason: str
    detail: str


def check_path(p: str) -> None:
    """Refuse a path relative to the output directory that could name something
    outside it or differ between systems: Go's ``manifest.CheckPath``, rule for
    rule (the two read one table of cases, ``manifest/testdata/checkpath.json``).

    Raises :class:`ValueError` saying why when ``p`` is empty, not valid UTF-8
    (a ``str`` holding lone surrogates), absolute (``/``), holds a backslash,
    has ``:`` as its second byte (a drive letter), is longer than 1024 bytes
    (UTF-8), holds a control character (U+0000-U+001F, U+007F), has an empty,
    ``.``, ``..`` or hidden (starting with ``.``: prebake's state is
    ``.prebake``) segment, or a segment longer than 200 bytes. ``%2e%2e`` is
    a literal name here: percent-decoding is a URL's business, and this
    package percent-encodes every key it puts into a URL.
    """
    if p == "":
        raise ValueError("empty path")
    try:
        b = p.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{p!r} is not valid UTF-8") from None
    if p.startswith("/"):
        raise ValueError(f"{p!r} is absolute")
    if "\\" in p:
        raise ValueError(f"{p!r} contains a backslash")
    if len(b) >= 2 and b[1:2] == b":":  # bytes, as Go's p[1]
        raise ValueError(f"{p!r} starts with a drive letter")
    if len(b) > 1024:
        raise ValueError(f"{p[:40]!r}… is longer than 1024 bytes")
    for ch in p:
        if ch < "\x20" or ch == "\x7f":
            raise ValueError(f"{p!r} contains control character U+{ord(ch):04X}")
    for seg in p.split("/"):
        if seg == "":
            raise ValueError(f"{p!r} has an empty segment")
        if seg in (".", ".."):
            raise ValueError(f'{p!r} has a "{seg}" segment')
        if seg.startswith("."):
            raise ValueError(f"{p!r} has a hidden segment {seg!r}")
        if len(seg.encode("utf-8")) > 200:
            raise ValueError(f"{p!r} has a segment longer than 200 bytes")
    if posixpath.normpath(p) != p:  # Go's path.Clean(p) != p; unreachable after the above, kept as Go has it
        raise ValueError(f"{p!r} is not clean")


def is_url(source: PathLike) -> bool:
    """True when ``source`` is an ``http``, ``https`` or ``file`` URL."""
    return isinstance(source, str) and source.split(":", 1)[0].lower() in ("http", "https", "file")


def redact_url(source: str) -> str:
    """``source`` with the password of a URL's ``user:password@`` shown as
    ``xxxxx`` (a user alone, which may be a token, is ``xxxxx`` too), for
    messages and logs; anything else is returned as it is."""
    if not is_url(source):
        return source
    parts = urllib.parse.urlsplit(source)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at:
        return source
    user, colon, _ = userinfo.partition(":")
    shown = f"{user}:xxxxx" if colon else "xxxxx"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{shown}@{hostport}"))


class _Deadline:
    """One moment after which a request (connections, redirects, headers and
    body together) is abandoned. urllib's ``timeout`` bounds each socket
    operation, so a server sending a byte now and then holds it for ever; these
    classes give every connect, TLS handshake step and read only the time left.
    Hand-written: neither urllib nor http.client has a whole-request deadline,
    and the package has no required dependency to take one from."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left; :class:`TimeoutError` when none."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        return left


class _DeadlineIO(io.RawIOBase):
    """The raw reader under a response's buffer: each read of the socket waits
    only the time left."""

    def __init__(self, raw: Any, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._raw, self._sock, self._deadline = raw, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int | None:
        self._sock.settimeout(self._deadline.left())
        n: int | None = self._raw.readinto(b)
        return n

    def close(self) -> None:
        self._raw.close()  # the socket's own reader, which counts its references
        super().close()


def _connect(deadline: _Deadline, address: tuple[str, int], source: tuple[str, int] | None) -> socket.socket:
    # socket.create_connection, but each address tried gets only the time left
    # (create_connection gives each the whole timeout). Name resolution itself
    # has no timeout in the C library and is not bounded.
    host, port = address
    err: OSError | None = None
    for af, kind, proto, _, sa in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
        sock = socket.socket(af, kind, proto)
        try:
            sock.settimeout(deadline.left())
            if source:
                sock.bind(source)
            sock.connect(sa)
            return sock
        except OSError as e:
            sock.close()
            err = e
            if isinstance(e, TimeoutError):
                break
    raise err if err is not None else OSError(f"{host}: no address")


def _deadline_response(deadline: _Deadline) -> type[http.client.HTTPResponse]:
    class Response(http.client.HTTPResponse):
        def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
            super().__init__(sock, *args, **kwargs)
            self.fp = io.BufferedReader(_DeadlineIO(self.fp.detach(), sock, deadline))

    return Response


class _DeadlineHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.response_class = _deadline_response(deadline)
        self._create_connection = lambda address, timeout, source=None: _connect(deadline, address, source)


class _DeadlineHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self.response_class = _deadline_response(deadline)
        self._create_connection = lambda address, timeout, source=None: _connect(deadline, address, source)

    def connect(self) -> None:
        # HTTPSConnection.connect with the handshake stepped by hand, so it too
        # waits only the time left (do_handshake waits the socket's timeout at
        # every step).
        http.client.HTTPConnection.connect(self)
        host = self._tunnel_host or self.host  # type: ignore[attr-defined]
        sock = self._context.wrap_socket(self.sock, server_hostname=host, do_handshake_on_connect=False)  # type: ignore[attr-defined]
        self.sock = sock
        while True:
            sock.settimeout(self._deadline.left())
            try:
                sock.do_handshake()
                return
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_DeadlineHTTPConnection, deadline=self._deadline), req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_DeadlineHTTPSConnection, deadline=self._deadline), req, context=self._context)  # type: ignore[attr-defined]


def fetch(url: str, *, timeout: float = FETCH_TIMEOUT) -> bytes:
    """GET ``url`` (asking for gzip, which is decoded) and return the body.

    ``timeout`` (seconds) bounds the whole request: resolving excepted, every
    connection (redirects included), TLS handshake, the headers and the body
    together finish within it, however slowly the server sends.

    A ``user:password@`` in the URL (percent-encoded, RFC 3986 §3.2.1) is sent
    as HTTP Basic authentication (RFC 7617) to that host only, not to a host
    it redirects to; urllib alone would take it for part of the host name.

    Raises :class:`FileNotFoundError` on HTTP 404 and :class:`ManifestError`
    on any other failure (``"no complete response within 2 s"`` when the
    deadline passes), naming the URL without its password.
    """
    shown = redact_url(url)
    deadline = _Deadline(timeout)
    opener = urllib.request.build_opener(_DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline))
    too_slow = f"{shown}: no complete response within {timeout:g} s (the timeout bounds the whole request: connecting, redirects, headers and body)"
    parts = urllib.parse.urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    plain = urllib.parse.urlunsplit(parts._replace(netloc=hostport)) if at else url
    req = urllib.request.Request(plain, headers={"Accept-Encoding": "gzip", "User-Agent": "prebake-python"})
    if at:
        user, _, password = userinfo.partition(":")
        token = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}".encode()
        req.add_unredirected_header("Authorization", "Basic " + base64.b64encode(token).decode("ascii"))
    try:
        with opener.open(req, timeout=timeout) as resp:
            body: bytes = resp.read()
            if (resp.headers.get("Content-Encoding") or "").lower() == "gzip":
                body = gzip.decompress(body)
            return body
    except urllib.error.HTTPError as e:
        if e.code == 404:
            raise FileNotFoundError(f"{shown}: HTTP 404") from None
        raise ManifestError(f"{shown}: HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, FileNotFoundError):
            raise FileNotFoundError(f"{shown}: no such file") from None
        if isinstance(e.reason, TimeoutError):
            raise ManifestError(too_slow) from None
        raise ManifestError(f"{shown}: {e.reason}") from None
    except TimeoutError:
        raise ManifestError(too_slow) from None
    except (ValueError, OSError, http.client.HTTPException) as e:
        # a bad port (http.client.InvalidURL), a timeout while reading, a
        # dropped connection, a body that is not gzip: named, not raw
        raise ManifestError(f"{shown}: {e}") from None


class Manifest:
    """A loaded ``manifest.json``.

    Build one with :meth:`load` (a path or URL) or :meth:`from_bytes`.

    ``out_dir`` is the bake's output directory on this machine (where the hashed
    files are); it enables :meth:`path` and local reads. ``base_url`` replaces
    the manifest's own ``base_url`` in every URL this object returns (for
    example ``"/static/prebake"`` when the files are served as static files, or
    a CDN). Without either, URLs are the manifest's; relative ones are resolved
    against the manifest's URL when it was loaded from one.
    """

    __slots__ = ("data", "source", "out_dir", "timeout", "_base", "_manifest_base", "_shard_cache", "_lock")

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        source: str = "<manifest>",
        out_dir: PathLike | None = None,
        base_url: str | None = None,
        timeout: float = FETCH_TIMEOUT,
    ) -> None:
        _check_shape(data, redact_url(source))
        self.data: Mapping[str, Any] = data
        self.source = source
        self.timeout = timeout  # seconds for each whole request of read_bytes / read_shard
        self.out_dir: Path | None = Path(out_dir) if out_dir is not None else None
        self._manifest_base: str = str(data.get("base_url") or "").rstrip("/")
        self._base: str | None = base_url.rstrip("/") if base_url is not None else None
        self._shard_cache: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()  # the shard cache is shared by a web process's threads

    # -- loading -----------------------------------------------------------

    @classmethod
    def load(
        cls,
        source: PathLike,
        *,
        out_dir: PathLike | None = None,
        base_url: str | None = None,
        timeout: float = FETCH_TIMEOUT,
    ) -> Manifest:
        """Read a manifest from a file path or a URL.

        ``timeout``: seconds each HTTP(S) request (this one, and each of
        :meth:`read_bytes` and :meth:`read_shard` later) may take in all,
        however slowly the server sends (see :func:`fetch`).

        Raises :class:`FileNotFoundError` when there is no file,
        :class:`ManifestError` when it is not valid JSON, not a prebake manifest
        or of a ``schema_version`` this reader does not know.
        """
        src = os.fspath(source)
        if is_url(src):
            raw = fetch(src, timeout=timeout)
        else:
            try:
                raw = Path(src).read_bytes()
            except FileNotFoundError:
                raise FileNotFoundError(f"{src}: no manifest (is PREBAKE_MANIFEST right, and has `prebake build` run?)") from None
        return cls.from_bytes(raw, source=src, out_dir=out_dir, base_url=base_url, timeout=timeout)

    @classmethod
    def from_bytes(
        cls,
        raw: bytes,
        *,
        source: str = "<bytes>",
        out_dir: PathLike | None = None,
        base_url: str | None = None,
        timeout: float = FETCH_TIMEOUT,
    ) -> Manifest:
        """Parse manifest bytes; see :meth:`load` for the errors."""
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise ManifestError(f"{redact_url(source)}: not JSON: {e}") from None
        return cls(data, source=source, out_dir=out_dir, base_url=base_url, timeout=timeout)

    # -- fields ------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return int(self.data["schema_version"])

    @property
    def build_id(self) -> str:
        """16 hex digits naming the bake's content (same content, same id)."""
        return str(self.data.get("build_id", ""))

    @property
    def created(self) -> str:
        """RFC 3339 UTC time of the build."""
        return str(self.data.get("created", ""))

    @property
    def synthetic(self) -> bool:
        """True when the bake is of prebake's synthetic sample, not real data."""
        return bool(self.data.get("synthetic", False))

    @property
    def assets(self) -> Mapping[str, Mapping[str, Any]]:
        return self.data.get("assets") or {}

    @property
    def tilesets(self) -> Mapping[str, Mapping[str, Any]]:
        return self.data.get("tilesets") or {}

    @property
    def shardsets(self) -> Mapping[str, Mapping[str, Any]]:
        return self.data.get("shardsets") or {}

    def asset(self, name: str) -> Mapping[str, Any]:
        """The manifest entry of asset ``name`` (``"cmu/cmus.parquet"``).

        Raises :class:`KeyError` naming the build and the closest names.
        """
        return _lookup(self.assets, name, "asset", self)

    def shardset(self, name: str) -> Mapping[str, Any]:
        """The manifest entry of shard set ``name`` (``"postcodes"``)."""
        return _lookup(self.shardsets, name, "shard set", self)

    def tileset(self, name: str) -> Mapping[str, Any]:
        """The manifest entry of tile set ``name`` (``"maptiles/default/DSR"``)."""
        return _lookup(self.tilesets, name, "tile set", self)

    # -- URLs and paths ----------------------------------------------------

    def _url(self, manifest_url: str) -> str:
        rel = manifest_url
        if self._manifest_base and rel.startswith(self._manifest_base + "/"):
            rel = rel[len(self._manifest_base) + 1 :]
        elif self._manifest_base and self._base is None:
            return manifest_url
        if self._base is not None:
            return f"{self._base}/{rel}" if self._base else rel
        if self._manifest_base:
            return f"{self._manifest_base}/{rel}"
        if is_url(self.source):
            return urllib.parse.urljoin(self.source, rel)
        return rel

    def url(self, name: str) -> str:
        """URL of asset ``name``, e.g. ``url("cmu/cmus.parquet")``."""
        return self._url(str(self.asset(name)["url"]))


    def shard_url(self, shard_set: str, key: str) -> str:
        """URL of one shard, e.g. ``shard_url("postcodes", "SW1A")``.

        The key is percent-encoded (``safe=""``) into the set's URL template.
        A key that names no file of the set (``"a/b"``, ``".."``, ``""``,
        control characters: see ``_shard_file``) is a :class:`ValueError`, here
        and in :meth:`shard_path` and :meth:`read_shard`.
        """
        s = self.shardset(shard_set)
        _shard_file(shard_set, s, key)
        template = str(s["url"]).replace("{" + str(s["key"]) + "}", urllib.parse.quote(str(key), safe=""))
        return self._url(template)

    def tiles_url(self, layer: str) -> str:
        """The ``{z}/{x}/{y}`` URL template of a GeoJSON tile set, or the PMTiles archive's URL."""
        ts = self.tileset(layer)
        return self._url(str(ts["tilejson"]["tiles"][0]))

    def _require_out_dir(self) -> Path:
        if self.out_dir is None:
            raise ManifestError(f"{redact_url(self.source)}: no output directory given (out_dir / PREBAKE_OUT_DIR), so files have no local path")
        return self.out_dir

    def path(self, name: str) -> Path:
        """Local path of asset ``name`` under ``out_dir`` (which must be set)."""
        return self._require_out_dir() / str(self.asset(name)["path"])

    def shard_path(self, shard_set: str, key: str) -> Path:
        """Local path of one shard under ``out_dir``. Keys are checked as for
        :meth:`shard_url`."""
        s = self.shardset(shard_set)
        return self._require_out_dir() / str(s["path"]) / _shard_file(shard_set, s, key)

    # -- reading -----------------------------------------------------------

    def read_bytes(self, name: str, *, verify: bool = False) -> bytes:
        """The bytes of asset ``name``: from ``out_dir`` when set, else its URL.

        With ``verify=True`` the size and SHA-256 are checked against the
        manifest (:class:`IntegrityError` on a mismatch).

        Only a regular file below ``out_dir`` is read: one that resolves outside
        it (a symlink) or is a directory or FIFO is a :class:`ManifestError`.
        Without ``out_dir`` the URL is fetched; a manifest loaded over HTTP(S)
        never makes this read a ``file:`` URL (:class:`ManifestError`), unless
        the caller's ``base_url=`` put it there.
        """
        a = self.asset(name)
        if self.out_dir is not None:
            data = _read_local(self.out_dir, str(a["path"]))
        else:
            data = self._fetch(name, self.url(name))
        if verify:
            _check_bytes(name, str(a["path"]), data, a)
        return data

    def read_shard(self, shard_set: str, key: str) -> Any | None:
        """The parsed JSON of one shard, or ``None`` when the set has no such shard.

        Fetches one file (from ``out_dir`` when set, else its URL) and keeps it
        in memory for later calls with the same key. A key that names no file
        of the set is a :class:`ValueError` (see :meth:`shard_url`); a shard
        that is not a regular file or resolves outside ``out_dir`` a
        :class:`ManifestError`.
        """
        ck = (shard_set, key)
        with self._lock:
            if ck in self._shard_cache:
                return self._shard_cache[ck]
        s = self.shardset(shard_set)
        file = _shard_file(shard_set, s, key)
        keys = (s.get("params") or {}).get("keys")
        if isinstance(keys, list) and key not in keys:
            value = None
        else:
            try:
                if self.out_dir is not None:
                    raw = _read_local(self.out_dir, f"{s['path']}/{file}")
                else:
                    raw = self._fetch(shard_set, self.shard_url(shard_set, key))
                value = json.loads(raw)
            except FileNotFoundError:
                value = None
        with self._lock:
            if len(self._shard_cache) >= 256:  # bounded: drop the oldest
                self._shard_cache.pop(next(iter(self._shard_cache)))
            self._shard_cache[ck] = value
        return value

    def _fetch(self, name: str, url: str) -> bytes:
        if not is_url(url):
            raise ManifestError(f"{name}: URL {url!r} is relative and no out_dir was given")
        remote = self.source.split(":", 1)[0].lower() in ("http", "https") and is_url(self.source)
        if remote and self._base is None and url.split(":", 1)[0].lower() == "file":
            raise ManifestError(f"{name}: URL {url!r}: a manifest loaded over HTTP(S) may not name a local file")
        return fetch(url, timeout=self.timeout)

    # -- integrity ---------------------------------------------------------

    def verify(self, names: Iterable[str] | None = None, *, files: bool = False) -> list[Problem]:
        """Re-check files under ``out_dir`` against the manifest.

        ``names``: logical names of assets, tile sets or shard sets (default:
        all). Assets are re-hashed (size and SHA-256) and each variant the
        manifest lists is checked for being there with its listed size. A
        set's index file is hashed against the set's ``sha256``; with
        ``files=True`` every file of the set is also checked against its
        index, and the set's variants beside it for being there. Returns the
        problems found (empty: all good), in the order of ``names``.

        Never raises for what it finds on disk: a file that is absent (or a
        symlink to nothing) is ``missing``; one that is a directory, a FIFO
        (never waited on), a socket or device, unreadable (permission denied,
        an I/O error) or resolves outside ``out_dir`` (a symlink out of the
        bake) is ``unreadable``; a variant with any of these faults, or of the
        wrong size, is ``variant``. Raises :class:`ManifestError` only when
        ``out_dir`` is not set.
        """
        out = self._require_out_dir()
        problems: list[Problem] = []
        wanted = list(names) if names is not None else [*self.assets, *self.tilesets, *self.shardsets]
        for name in wanted:
            if name in self.assets:
                problems.extend(_verify_asset(out, name, self.assets[name]))
                continue
            s = self.tilesets.get(name) or self.shardsets.get(name)
            if s is None:
                problems.append(Problem(name, "", "missing", f"{name}: not in the manifest"))
                continue
            if s.get("format") == "pmtiles":
                continue  # the archive is also an asset, checked as one
            problems.extend(_verify_set(out, name, s, files))
        return problems

    def check(self, names: Iterable[str] | None = None, *, files: bool = False) -> None:
        """Like :meth:`verify`, but raises :class:`IntegrityError` listing the problems."""
        problems = self.verify(names, files=files)
        if problems:
            shown = "; ".join(p.detail for p in problems[:5])
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            raise IntegrityError(f"{redact_url(self.source)}: {len(problems)} problem(s): {shown}{more}")

    def __repr__(self) -> str:
        return f"<Manifest {redact_url(self.source)} build {self.build_id}: {len(self.assets)} assets, {len(self.tilesets)} tile sets, {len(self.shardsets)} shard sets>"


def load(source: PathLike, *, out_dir: PathLike | None = None, base_url: str | None = None, timeout: float = FETCH_TIMEOUT) -> Manifest:
    """Shorthand for :meth:`Manifest.load`."""
    return Manifest.load(source, out_dir=out_dir, base_url=base_url, timeout=timeout)


def _check_shape(data: Any, source: str) -> None:
    if not isinstance(data, Mapping):
        raise ManifestError(f"{source}: not a prebake manifest (a JSON object is expected)")
    v = data.get("schema_version")
    if v is None:
        raise ManifestError(f"{source}: not a prebake manifest (no schema_version)")
    if not isinstance(v, int) or isinstance(v, bool):
        raise ManifestError(f"{source}: schema_version {v!r} is not an integer")
    if v not in SCHEMA_VERSIONS:
        known = ", ".join(str(x) for x in SCHEMA_VERSIONS)
        raise ManifestError(f"{source}: schema_version {v!r}; this reader (prebake Python package) reads {known}: upgrade the package")
    for key in ("assets", "tilesets", "shardsets"):
        if key in data and not isinstance(data[key], Mapping):
            raise ManifestError(f"{source}: field {key!r} is not an object")
    # The fields this reader uses (required by manifest.schema.json), checked
    # once here so a damaged manifest fails at load naming the entry and field,
    # not at the first lookup as a bare KeyError. About 100 entries: microseconds.
    for group, fields in _ENTRY_FIELDS.items():
        for name, entry in (data.get(group) or {}).items():
            where = f"{source}: {group}[{name!r}]"
            if not isinstance(entry, Mapping):
                raise ManifestError(f"{where}: not an object")
            for field, kind in fields:
                if field not in entry:
                    raise ManifestError(f"{where}: field {field!r} is missing")
                v = entry[field]
                if kind is int and (not isinstance(v, int) or isinstance(v, bool)):
                    raise ManifestError(f"{where}: field {field!r} is not an integer: {v!r}")
                if kind is str and not isinstance(v, str):
                    raise ManifestError(f"{where}: field {field!r} is not a string: {v!r}")
            if group == "shardsets" and "{" + entry["key"] + "}" not in entry["url"]:
                raise ManifestError(f"{where}: field 'url' lacks {{{entry['key']}}}: {entry['url']!r}")
            _check_paths(data, group, entry, where)


#: The suffix of each pre-compressed variant's file (Go's manifest.EncodingSuffixes).
ENCODING_SUFFIXES: Mapping[str, str] = {"br": ".br", "gzip": ".gz", "zstd": ".zst"}


def _check_paths(data: Mapping[str, Any], group: str, entry: Mapping[str, Any], where: str) -> None:
    """The paths of one entry, by Go's ``manifest.Validate``: every path and
    index passes :func:`check_path` (a set's empty path or index is allowed, as
    in Go), a variant's path is the asset's plus its encoding's suffix; and,
    beyond Go, each URL is the writer's ``base_url + "/" + path`` (docs/manifest.md),
    so a URL names no other file than the checked path does."""

    def checked(field: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ManifestError(f"{where}: field {field!r} is not a string: {value!r}")
        try:
            check_path(value)
        except ValueError as e:
            raise ManifestError(f"{where}: field {field!r}: {e}") from None
        return value

    base = str(data.get("base_url") or "")
    prefix = base.removesuffix("/") + "/" if base else ""  # writer.url in Go
    if group == "assets":
        path = checked("path", entry["path"])
        if entry["url"] != prefix + path:
            raise ManifestError(f"{where}: field 'url' {entry['url']!r} is not base_url + '/' + path ({prefix + path!r})")
        encodings = entry.get("encodings") or {}
        if not isinstance(encodings, Mapping):
            raise ManifestError(f"{where}: field 'encodings' is not an object")
        for enc, v in encodings.items():
            if enc not in ENCODING_SUFFIXES:
                raise ManifestError(f"{where}: unknown encoding {enc!r} (want br, gzip or zstd)")
            vp = v.get("path") if isinstance(v, Mapping) else None
            if vp != path + ENCODING_SUFFIXES[enc]:
                raise ManifestError(f"{where}: {enc} variant path {vp!r}, want {path + ENCODING_SUFFIXES[enc]!r}")
        return
    for field in ("path", "index"):
        if entry.get(field):
            checked(field, entry[field])
    if group == "shardsets":
        url, path = str(entry["url"]), str(entry["path"])
        head, _, last = url.rpartition("/")
        if head + "/" != prefix + path + "/" or "{" + str(entry["key"]) + "}" not in last:
            raise ManifestError(f"{where}: field 'url' {url!r} is not base_url + '/' + path + '/' + a file name holding {{{entry['key']}}}")


#: Per section of the manifest, the fields every entry must have, with types.
_ENTRY_FIELDS: dict[str, tuple[tuple[str, type], ...]] = {
    "assets": (("path", str), ("url", str), ("sha256", str), ("size", int)),
    "tilesets": (("path", str),),
    "shardsets": (("path", str), ("url", str), ("key", str)),
}


def _lookup(table: Mapping[str, Mapping[str, Any]], name: str, what: str, m: Manifest) -> Mapping[str, Any]:
    try:
        return table[name]
    except KeyError:
        near = difflib.get_close_matches(name, list(table), n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise KeyError(f"{what} {name!r} is not in {redact_url(m.source)} (build {m.build_id}){hint}") from None


def _shard_file(name: str, s: Mapping[str, Any], key: str) -> str:
    """The file name of shard ``key`` of set ``name``: the URL template's last
    segment with the key put in (``"{outcode}.json"`` -> ``"SW1A.json"``).

    Raises :class:`TypeError` unless ``key`` is a str, :class:`ValueError`
    when the key contains ``/`` (a key names one file of the set) or the set's
    path and the file name fail :func:`check_path` (``..``, ``""`` and
    ``".x"`` make hidden names, NUL and other control characters, a name
    longer than 200 bytes), whether the shard is then read from ``out_dir``
    or a URL, so both refuse the same keys."""
    if not isinstance(key, str):
        raise TypeError(f"shard set {name!r}: key must be a str, not {type(key).__name__}")
    last = str(s["url"]).rsplit("/", 1)[-1]
    file = last.replace("{" + str(s["key"]) + "}", key)
    try:
        if "/" in key:
            raise ValueError("contains '/'; a key names one file of the set")
        check_path(f"{s['path']}/{file}")
    except ValueError as e:
        raise ValueError(f"shard set {name!r}: key {key!r} names no file of the set: {e}") from None
    return file


def _open_local(out: Path, rel: str) -> BinaryIO:
    """The regular file ``rel`` (checked by :func:`check_path`) below ``out``,
    open for reading.

    Raises :class:`FileNotFoundError` when absent, :class:`ManifestError` when
    it resolves outside ``out`` (a symlink: ``prebake serve`` refuses those
    too) or is not a regular file (a directory, a FIFO, a device: opened
    without blocking, so a FIFO cannot hang the caller), :class:`OSError`
    (``PermissionError``, ...) for the rest. The containment is checked on
    the resolved path before opening (``os.path.realpath``) and the last
    component is opened with ``O_NOFOLLOW``: Python has no portable openat2
    with ``RESOLVE_BENEATH``, so a directory swapped in between the two steps
    by someone who can write ``out`` is not caught."""
    root = os.path.realpath(out)
    full = os.path.realpath(os.path.join(root, rel))
    if full != root and not full.startswith(root.rstrip(os.sep) + os.sep):
        raise ManifestError(f"{rel}: resolves outside the output directory {out} (a symlink out of the bake)")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(full, flags)
    except IsADirectoryError:
        raise ManifestError(f"{rel}: is a directory, not a regular file") from None
    except FileNotFoundError:
        raise FileNotFoundError(f"{rel}: no such file under {out}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device or other special file"
            raise ManifestError(f"{rel}: is {kind}, not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_local(out: Path, rel: str) -> bytes:
    """The bytes of ``rel`` below ``out``; the errors of :func:`_open_local`."""
    with _open_local(out, rel) as f:
        return f.read()


def _unreadable(name: str, rel: str, what: str, e: Exception) -> Problem:
    """The problem of a file :func:`_open_local` could not open or read."""
    if isinstance(e, FileNotFoundError):
        return Problem(name, rel, "missing", f"{rel}: {what} missing")
    why = str(e).removeprefix(f"{rel}: ") if isinstance(e, ManifestError) else (e.strerror if isinstance(e, OSError) and e.strerror else str(e))
    return Problem(name, rel, "unreadable", f"{rel}: {what} unreadable: {why}")


def _check_variant(out: Path, name: str, rel: str, enc: str, size: Any) -> Problem | None:
    """A variant is there as a regular file inside ``out``, of the manifest's
    ``size`` when it gives one (not decoded: ``prebake verify`` does that)."""
    try:
        with _open_local(out, rel) as f:
            got = os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        return Problem(name, rel, "variant", f"{rel}: {enc} variant missing")
    except (ManifestError, OSError) as e:
        p = _unreadable(name, rel, f"{enc} variant", e)
        return Problem(name, rel, "variant", p.detail)
    if isinstance(size, int) and got != size:
        return Problem(name, rel, "variant", f"{rel}: {enc} variant of {got} bytes, the manifest says {size}")
    return None


def _check_bytes(name: str, path: str, data: bytes, entry: Mapping[str, Any]) -> None:
    size = entry.get("size")
    if size is not None and len(data) != int(size):
        raise IntegrityError(f"{name} ({path}): {len(data)} bytes, the manifest says {size}")
    want = entry.get("sha256")
    if want is not None and hashlib.sha256(data).hexdigest() != want:
        raise IntegrityError(f"{name} ({path}): SHA-256 differs from the manifest's {want}")


def _verify_asset(out: Path, name: str, a: Mapping[str, Any]) -> list[Problem]:
    p = str(a["path"])
    problems = []
    try:
        data = _read_local(out, p)
    except (ManifestError, OSError) as e:
        problems.append(_unreadable(name, p, "file", e))
    else:
        try:
            _check_bytes(name, p, data, a)
        except IntegrityError as e:
            problems.append(Problem(name, p, "size" if "bytes" in str(e) else "sha256", str(e)))
    for enc, v in sorted((a.get("encodings") or {}).items()):
        if (bad := _check_variant(out, name, str(v["path"]), enc, v.get("size"))) is not None:
            problems.append(bad)
    return problems


def _verify_set(out: Path, name: str, s: Mapping[str, Any], files: bool) -> list[Problem]:
    idx = str(s.get("index") or "")
    if not idx:
        # A set without an index (allowed by Go's Validate): only its path is checked, as Go's verify does.
        if s.get("path") and not os.path.lexists(out / str(s["path"])):
            return [Problem(name, str(s["path"]), "missing", f"{s['path']}: set {name} missing")]
        return []
    try:
        raw = _read_local(out, idx)
    except (ManifestError, OSError) as e:
        return [_unreadable(name, idx, f"index of set {name}", e)]
    if hashlib.sha256(raw).hexdigest() != s.get("sha256"):
        return [Problem(name, idx, "index", f"{idx}: SHA-256 differs from set {name}'s")]
    if not files:
        return []
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as e:
        return [Problem(name, idx, "index", f"{idx}: not UTF-8 ({e.reason} at byte {e.start})")]
    problems = []
    encodings = [e for e in (s.get("encodings") or []) if e in ENCODING_SUFFIXES]
    for line in lines:
        digest, _, rel = line.partition("  ")
        p = f"{s['path']}/{rel}"
        try:
            check_path(rel)  # Go's manifest.ParseIndex does the same
        except ValueError as e:
            problems.append(Problem(name, idx, "index", f"{idx}: {e}"))
            continue
        try:
            data = _read_local(out, p)
        except (ManifestError, OSError) as e:
            problems.append(_unreadable(name, p, "file", e))
        else:
            if hashlib.sha256(data).hexdigest() != digest:
                problems.append(Problem(name, p, "sha256", f"{p}: SHA-256 differs from the set's index"))
        for enc in encodings:
            if (bad := _check_variant(out, name, p + ENCODING_SUFFIXES[enc], enc, None)) is not None:
                problems.append(bad)
    return problems
