"""WhiteNoise, also serving the bake's output directory, answering as
``prebake serve`` does.

Use instead of ``whitenoise.middleware.WhiteNoiseMiddleware``::

    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "prebake.django.middleware.WhiteNoiseMiddleware",
        ...
    ]

On top of WhiteNoise's finding of files it serves ``PREBAKE_OUT_DIR`` at
``STATIC_URL + PREBAKE_STATIC_PREFIX`` (without copying it into
``STATIC_ROOT``) and marks every file with a prebake content hash in its path
(an asset ``name.<16 hex>.ext``, every file of a tile or shard set
``set.<16 hex>/…``) as immutable: ``Cache-Control: max-age=315360000, public,
immutable``. prebake's own state (``.prebake/``) and ``.zst`` files are not
served as files of their own (nor ``.br``/``.gz`` beside their original, as
WhiteNoise does).

Every file it serves (the bake's and the app's own static files) is answered
as ``prebake serve`` (Go, ``serve/``) answers, not as WhiteNoise does; the
cases in ``internal/serve/testdata/http-cases.json`` run against both:

* **Encoding** (RFC 9110 §12.5.3, serve's ``negotiate``): among the variants
  present for the file, the one the ``Accept-Encoding`` weighs highest (q-values
  honoured, ``*`` for codings not named, ``x-gzip`` as ``gzip``, an invalid
  q-value as 0; ties: br, zstd, gzip); the original when the client weighs it
  higher (``identity``, else acceptable unless ``identity;q=0`` or ``*;q=0``),
  gives no header, or accepts no variant; **406** when neither a variant nor the
  original is acceptable. A bake's file has the variants the manifest lists for
  it (an asset's ``encodings``, a set's ``encodings`` for each file), so
  variants an older bake left beside it are not sent; an app file has its
  ``.br``/``.gz``. ``Vary: Accept-Encoding`` whenever a file has variants.
* **ETag**: strong, one per representation: the first 128 bits of the SHA-256
  of the bytes sent, in hex, and ``-br``/``-gzip``/``-zstd`` for a variant
  (hashed on first use, kept per file size and mtime). No ``Last-Modified``.
  ``If-None-Match`` (weak comparison, ``*``) gives 304, ``If-Match`` 412 when
  no tag matches; ``If-Modified-Since`` and a date in ``If-Range`` are
  ignored, as serve ignores them.
* **Ranges** (RFC 9110 §14): ``Range`` of a unit other than ``bytes`` is
  ignored (200); ``bytes`` ranges of the bytes sent (a variant's, when one is
  sent), ``If-Range`` with a strong ETag match. A range starting past the end,
  or a suffix of zero bytes (``-0``), is unsatisfiable and dropped; when none
  is left, **416** with ``Content-Range: bytes */<size>``. A range ending past
  the end (at any size, 2**64 included) is clipped. A malformed range set is
  416 with ``Content-Range: bytes */<size>``. One range is a 206 with
  ``Content-Range``; several a 206 ``multipart/byteranges`` in the order
  asked; more than ``MAX_RANGES`` (16) ranges, three or more ranges of which
  two overlap, or ranges adding up to more than the file, are ignored (200).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import stat
import threading
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from django.conf import settings as django_settings
from whitenoise.middleware import WhiteNoiseMiddleware as _WhiteNoiseMiddleware
from whitenoise.responders import FileEntry, MissingFileError, NotARegularFileError, Response, SlicedFile
from wsgiref.headers import Headers

from ..manifest import ENCODING_SUFFIXES
from . import conf

#: A path segment carrying a prebake content hash: ``.<16 hex>`` followed by an
#: extension, a directory separator or the end (docs/manifest.md).
PREBAKE_HASH = re.compile(r"\.[0-9a-f]{16}(?:[./]|$)")

#: Encodings in the order taken when the client weighs them equally: brotli is
#: the smallest of prebake's variants, then zstd, then gzip (serve's preference).
PREFERENCE = ("br", "zstd", "gzip")

#: More ranges than this in one request are ignored (the whole file is sent):
#: RFC 9110 §14.2 lets a server ignore many small ranges, and without a bound
#: tens of thousands of one-byte ranges make a response of megabytes.
# serve's MaxRanges (internal/serve/serve.go), the same cap for the same reason.
MAX_RANGES = 16


class WhiteNoiseMiddleware(_WhiteNoiseMiddleware):  # type: ignore[misc]  # WhiteNoise ships no types
    """``whitenoise.middleware.WhiteNoiseMiddleware`` plus the bake, answering
    as ``prebake serve`` does (see the module docstring)."""

    prebake_prefix: str | None = None
    prebake_root: str | None = None
    prebake_variants: Mapping[str, Sequence[str]] = {}

    def __init__(self, get_response: Any = None, settings: Any = django_settings) -> None:
        out = conf.out_dir()
        if out is not None:
            # Before super().__init__, which builds every file's responder.
            self.prebake_root = os.path.abspath(out).rstrip(os.sep) + os.sep
            self.prebake_variants = _variant_index()
        super().__init__(get_response, settings=settings)
        if out is not None:
            self.prebake_prefix = self.static_prefix + conf.static_prefix()
            self.add_files(str(out), prefix=self.prebake_prefix)

    def _hidden(self, path: str) -> bool:
        """prebake's state and .zst variants, which are never served."""
        if not self.prebake_root or not path.startswith(self.prebake_root):
            return False
        rel = path[len(self.prebake_root) :]
        return rel.startswith(".prebake" + os.sep) or rel.endswith(".zst")

    def add_file_to_dictionary(self, url: str, path: str, stat_cache: Any = None) -> None:
        if not self._hidden(path):
            super().add_file_to_dictionary(url, path, stat_cache=stat_cache)

    def find_file_at_path(self, path: str, url: str) -> Any:
        # WhiteNoise's autorefresh mode (DEBUG) looks files up per request here.
        if self._hidden(path):
            raise MissingFileError(path)
        return super().find_file_at_path(path, url)

    def immutable_file_test(self, path: str, url: str) -> bool:
        if self.prebake_prefix and url.startswith(self.prebake_prefix) and PREBAKE_HASH.search(url[len(self.prebake_prefix) :]):
            return True
        return bool(super().immutable_file_test(path, url))

    def get_static_file(self, path: str, url: str, stat_cache: Any = None) -> NegotiatedFile:
        # WhiteNoise's get_static_file, with serve's responder in place of its StaticFile.
        if stat_cache is None and not os.path.exists(path):
            raise MissingFileError(path)
        headers = Headers([])
        self.add_mime_headers(headers, path, url)
        self.add_cache_headers(headers, path, url)
        if self.allow_all_origins:
            headers["Access-Control-Allow-Origin"] = "*"
        if self.add_headers_function is not None:
            self.add_headers_function(headers, path, url)
        return NegotiatedFile(path, headers.items(), self._encodings(path), stat_cache=stat_cache)

    def _encodings(self, path: str) -> tuple[Sequence[str], bool]:
        """The encodings a file may be sent in, and whether they are the
        manifest's (a bake's file) rather than whatever is on disk."""
        if self.prebake_root and path.startswith(self.prebake_root):
            rel = path[len(self.prebake_root) :].replace(os.sep, "/")
            if rel in self.prebake_variants:
                return self.prebake_variants[rel], True
            d = rel
            while "/" in d:
                d = d.rsplit("/", 1)[0]
                if d + "/" in self.prebake_variants:
                    return self.prebake_variants[d + "/"], True
            return (), True
        return ("br", "gzip"), False  # WhiteNoise's variants of the app's files


def _variant_index() -> dict[str, list[str]]:
    """Each asset's path, and each set's directory + "/", to the encodings the
    manifest loaded at start-up lists for it (serve's ``variantIndex``). No
    manifest (it failed to load: system check E002): no variants."""
    from . import get_manifest

    try:
        m = get_manifest()
    except Exception:  # reported by the system check; files are still served, as originals
        return {}
    v: dict[str, list[str]] = {}
    for a in m.assets.values():
        encs = [e for e in (a.get("encodings") or {}) if e in ENCODING_SUFFIXES]
        if encs:
            v[str(a["path"])] = encs
    for s in [*m.tilesets.values(), *m.shardsets.values()]:
        encs = [e for e in (s.get("encodings") or []) if e in ENCODING_SUFFIXES]
        if encs and s.get("path"):
            v[str(s["path"]) + "/"] = encs
    return v


# -- negotiation (serve/negotiate.go, line for line) -------------------------


def accept_weights(header: str) -> dict[str, float]:
    """An ``Accept-Encoding`` header (RFC 9110 §12.5.3) as coding -> q-value,
    lower-cased; ``*`` stands for every coding not named; an invalid or
    out-of-range q-value is 0. Hand-written, as serve's is: the rule is a dozen
    lines and neither the standard library nor Django parses it."""
    w: dict[str, float] = {}
    for part in header.split(","):
        part = part.strip()
        if not part:
            continue
        coding, _, params = part.partition(";")
        coding = coding.strip().lower()
        q = 1.0
        for p in params.split(";"):
            k, eq, v = p.strip().partition("=")
            if eq and k.strip().lower() == "q":
                try:
                    f = float(v.strip())
                except ValueError:
                    f = 0.0
                q = 0.0 if f < 0 or f > 1 else f  # an invalid weight is no acceptance
        if coding == "x-gzip":  # RFC 9110 §8.4.1.3: an alias of gzip
            coding = "gzip"
        w[coding] = q
    return w


def _weight(w: Mapping[str, float], coding: str) -> float:
    return w.get(coding, w.get("*", 0.0))


def _identity_weight(w: Mapping[str, float]) -> float:
    if "identity" in w:
        return w["identity"]
    if w.get("*") == 0:
        return 0.0
    return 0.001  # acceptable, but below any coding the client names


def negotiate(header: str, available: Sequence[str]) -> str:
    """The encoding to send among ``available``, or ``""`` for the original
    (see the module docstring)."""
    if not header.strip() or not available:
        return ""
    w = accept_weights(header)
    best, best_q = "", 0.0
    for enc in PREFERENCE:
        if enc in available and (q := _weight(w, enc)) > best_q:
            best, best_q = enc, q
    if best and _identity_weight(w) > best_q:
        return ""
    return best


def accepts_identity(header: str) -> bool:
    return not header.strip() or _identity_weight(accept_weights(header)) > 0


# -- ranges (RFC 9110 §14; serve's ServeContent plus its -0 rule) --------------

_DIGITS = re.compile(r"[0-9]+")
_IGNORE, _UNSATISFIABLE = "ignore", "unsatisfiable"
# RFC 9110 §5.6.2 tchar
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def parse_ranges(header: str, size: int) -> str | list[tuple[int, int]]:
    """The byte ranges (first, last inclusive) of a ``Range`` header against
    ``size`` bytes, or ``"ignore"`` (send the whole file) or ``"unsatisfiable"``
    (416 with ``bytes */size``).

    The rules are serve's (``rangeHeader`` in internal/serve/serve.go, then Go's
    ``http.ServeContent``), rule for rule, so the shared cases answer alike:
    broken syntax (no ``=``, a unit that is not a token, a range that is not
    digits, a last-pos before its first-pos, no range at all) is unsatisfiable;
    another unit is ignored; more than ``MAX_RANGES`` ranges, three or more of
    which two overlap, or ranges adding up to more than the file, are ignored."""
    unit, eq, spec = header.partition("=")
    unit = unit.strip()
    if not eq or not _TOKEN.fullmatch(unit):
        return _UNSATISFIABLE
    if unit.lower() != "bytes":
        return _IGNORE  # RFC 9110 §14.2: a range unit the server does not know is ignored
    specs = spec.split(",")
    if len(specs) > MAX_RANGES:
        return _IGNORE
    ranges: list[tuple[int, int]] = []
    for ra in specs:
        ra = ra.strip()
        if not ra:
            continue  # an empty list element (RFC 9110 §5.6.1.2)
        start, dash, end = ra.partition("-")
        if not dash or (start and not _DIGITS.fullmatch(start)) or (end and not _DIGITS.fullmatch(end)) or (not start and not end):
            return _UNSATISFIABLE
        if not start:
            n = int(end)
            if n == 0 or size == 0:
                continue  # a suffix of no bytes is unsatisfiable (§14.1.1)
            ranges.append((size - min(n, size), size - 1))
            continue
        first = int(start)
        if first >= size:
            continue  # starts past the end: unsatisfiable
        last = min(int(end), size - 1) if end else size - 1
        if last < first:
            return _UNSATISFIABLE
        ranges.append((first, last))
    if not ranges:
        return _UNSATISFIABLE
    if len(ranges) > 2:
        spans = sorted(ranges)
        if any(spans[i][0] <= spans[i - 1][1] for i in range(1, len(spans))):
            return _IGNORE
    if sum(b - a + 1 for a, b in ranges) > size:
        return _IGNORE
    return ranges


def _tags(header: str) -> list[str]:
    """The entity tags of an If-Match / If-None-Match list ("*" kept)."""
    return [t.strip() for t in header.split(",") if t.strip()]


def _weak_match(tags: list[str], etag: str) -> bool:
    return any(t == "*" or t.removeprefix("W/") == etag for t in tags)


def _strong_match(tags: list[str], etag: str) -> bool:
    return any(t == "*" or t == etag for t in tags)


# -- the responder -------------------------------------------------------------

_etag_lock = threading.Lock()
_etags: dict[tuple[str, int, int], str] = {}


def _etag(f: Any, path: str, st: os.stat_result) -> str:
    """The strong ETag of the open file ``f``'s bytes: the first 128 bits of
    their SHA-256 in hex (serve's), hashed once per path, size and mtime."""
    key = (path, st.st_size, st.st_mtime_ns)
    with _etag_lock:
        if key in _etags:
            return _etags[key]
    h = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
    f.seek(0)
    tag = '"' + h.hexdigest()[:32] + '"'
    with _etag_lock:
        _etags[key] = tag
    return tag


class _Parts(io.RawIOBase):
    """The body of a ``multipart/byteranges`` response: literal bytes and
    slices of the file, read in turn."""

    def __init__(self, f: Any, pieces: list[bytes | tuple[int, int]]) -> None:
        super().__init__()
        self._f, self._pieces, self._cur = f, pieces, b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._cur and self._pieces:
            p = self._pieces.pop(0)
            if isinstance(p, bytes):
                self._cur = p
            else:
                self._f.seek(p[0])
                self._cur = self._f.read(p[1] - p[0] + 1)
        n = len(self._cur) if size is None or size < 0 else size
        out, self._cur = self._cur[:n], self._cur[n:]
        return out

    def close(self) -> None:
        self._f.close()
        super().close()


def _plain(status: HTTPStatus, text: str, headers: list[tuple[str, str]], method: str) -> Response:
    body = (text + "\n").encode()
    h = [*headers, ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    return Response(status, h, io.BytesIO(body) if method != "HEAD" else None)


class NegotiatedFile:
    """One file and its variants, answered as ``prebake serve`` answers (the
    module docstring). Built by :class:`WhiteNoiseMiddleware` in place of
    WhiteNoise's ``StaticFile``, with the same ``get_response`` signature."""

    def __init__(self, path: str, headers: Sequence[tuple[str, str]], encodings: tuple[Sequence[str], bool], stat_cache: Any = None) -> None:
        listed, from_manifest = encodings
        try:
            FileEntry(path, stat_cache)  # WhiteNoise's checks: MissingFileError, IsDirectoryError ...
        except NotARegularFileError:
            # ... and a FIFO or device, which WhiteNoise's autorefresh mode
            # would let out as a 500: not found, as serve answers.
            raise MissingFileError(path) from None
        self.path = path
        self.variants: dict[str, str] = {}
        for enc in listed:
            alt = path + ENCODING_SUFFIXES[enc]
            try:
                FileEntry(alt, stat_cache)
            except Exception:  # absent, or not a regular file: not offered
                continue
            self.variants[enc] = alt
        drop = ("content-type", "last-modified", "etag", "content-length", "content-encoding", "vary")
        base = [(k, v) for k, v in headers if k.lower() not in drop]
        # Vary whenever the file has variants: the manifest's list for a bake's
        # file (serve's rule), the ones present for an app file (WhiteNoise's).
        if listed if from_manifest else self.variants:
            base.append(("Vary", "Accept-Encoding"))
        self.headers = base
        self.content_type = next((v for k, v in headers if k.lower() == "content-type"), "application/octet-stream")

    def get_response(self, method: str, request_headers: Mapping[str, str]) -> Response:
        if method not in ("GET", "HEAD"):
            return Response(HTTPStatus.METHOD_NOT_ALLOWED, [("Allow", "GET, HEAD")], None)
        accept = request_headers.get("HTTP_ACCEPT_ENCODING", "")
        available = [e for e in PREFERENCE if e in self.variants]
        while True:
            enc = negotiate(accept, available)
            if enc == "" and not accepts_identity(accept):
                # Not cacheable as the file is: no Cache-Control.
                return _plain(HTTPStatus.NOT_ACCEPTABLE, "no acceptable encoding", [h for h in self.headers if h[0].lower() != "cache-control"], method)
            try:
                f, st = _open_regular(self.variants[enc] if enc else self.path)
                break
            except OSError:
                if not enc:
                    return _plain(HTTPStatus.NOT_FOUND, "not found", [], method)
                available.remove(enc)  # the manifest lists it but it is gone: the next acceptable one
        return self._respond(method, request_headers, f, st, enc)

    def _respond(self, method: str, request_headers: Mapping[str, str], f: Any, st: os.stat_result, enc: str) -> Response:
        try:
            etag = _etag(f, self.variants[enc] if enc else self.path, st)
        except BaseException:
            f.close()
            raise
        if enc:
            etag = etag[:-1] + "-" + enc + '"'
        headers = [*self.headers, ("ETag", etag)]
        size = st.st_size

        def done(r: Response, streams: bool = False) -> Response:
            if not streams:  # a response that does not read the file
                f.close()
            return r

        # Preconditions in Go's ServeContent order (RFC 9110 §13.2.2).
        if (im := request_headers.get("HTTP_IF_MATCH")) is not None and im.strip() and not _strong_match(_tags(im), etag):
            return done(Response(HTTPStatus.PRECONDITION_FAILED, headers, None))
        if (inm := request_headers.get("HTTP_IF_NONE_MATCH")) is not None and inm.strip() and _weak_match(_tags(inm), etag):
            return done(Response(HTTPStatus.NOT_MODIFIED, headers, None))
        rng = request_headers.get("HTTP_RANGE", "")
        if rng and (ir := request_headers.get("HTTP_IF_RANGE", "").strip()):
            if not (ir.startswith('"') and ir == etag):  # a date, or another tag: the whole file
                rng = ""
        ranges = parse_ranges(rng, size) if rng else _IGNORE
        headers.append(("Content-Type", self.content_type))
        if enc:
            headers.append(("Content-Encoding", enc))
        headers.append(("Accept-Ranges", "bytes"))
        body: Any = f if method != "HEAD" else None
        if ranges == _UNSATISFIABLE:
            return done(Response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, [*headers, ("Content-Range", f"bytes */{size}"), ("Content-Length", "0")], None))
        if ranges == _IGNORE:
            return done(Response(HTTPStatus.OK, [*headers, ("Content-Length", str(size))], body), body is not None)
        assert isinstance(ranges, list)
        if len(ranges) == 1:
            a, b = ranges[0]
            headers += [("Content-Range", f"bytes {a}-{b}/{size}"), ("Content-Length", str(b - a + 1))]
            return done(Response(HTTPStatus.PARTIAL_CONTENT, headers, SlicedFile(f, a, b) if body is not None else None), body is not None)
        boundary = secrets.token_hex(30)  # as Go's mime/multipart: 60 random hex digits
        pieces: list[bytes | tuple[int, int]] = []
        for i, (a, b) in enumerate(ranges):
            pieces.append(f"{'' if i == 0 else chr(13) + chr(10)}--{boundary}\r\nContent-Range: bytes {a}-{b}/{size}\r\nContent-Type: {self.content_type}\r\n\r\n".encode())
            pieces.append((a, b))
        pieces.append(f"\r\n--{boundary}--\r\n".encode())
        length = sum(len(p) if isinstance(p, bytes) else p[1] - p[0] + 1 for p in pieces)
        headers = [h for h in headers if h[0] != "Content-Type"]
        headers += [("Content-Type", f"multipart/byteranges; boundary={boundary}"), ("Content-Length", str(length))]
        return done(Response(HTTPStatus.PARTIAL_CONTENT, headers, _Parts(f, pieces) if body is not None else None), body is not None)


def _open_regular(path: str) -> tuple[Any, os.stat_result]:
    """``path`` open for reading, and its stat, when it is a regular file
    (opened without blocking, so a FIFO put in its place cannot hang a
    request); ``OSError`` otherwise."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise IsADirectoryError(f"{path}: not a regular file")
        return os.fdopen(fd, "rb"), st
    except BaseException:
        os.close(fd)
        raise
