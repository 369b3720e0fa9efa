"""The ``PREBAKE_*`` settings, with their defaults (see :mod:`prebake.django`)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..manifest import Manifest


def manifest_source() -> str:
    src = getattr(settings, "PREBAKE_MANIFEST", None)
    if not src:
        raise ImproperlyConfigured("PREBAKE_MANIFEST is not set: give the path or URL of the bake's manifest.json")
    return str(src)


def out_dir() -> Path | None:
    d = getattr(settings, "PREBAKE_OUT_DIR", None)
    return Path(d) if d else None


def static_prefix() -> str:
    """``PREBAKE_STATIC_PREFIX`` with one trailing slash and none leading."""
    p = str(getattr(settings, "PREBAKE_STATIC_PREFIX", "prebake/")).strip("/")
    return p + "/" if p else ""


def max_age() -> float | None:
    v = getattr(settings, "PREBAKE_MAX_AGE", None)
    return float(v) if v is not None else None


def static_url_path() -> str:
    """The path part of ``STATIC_URL``, with a trailing slash."""
    p = urlparse(str(settings.STATIC_URL or "/static/")).path or "/"
    return p if p.endswith("/") else p + "/"


def open_manifest() -> Manifest:
    """Read the manifest with the URL base the settings give."""
    m = Manifest.load(manifest_source(), out_dir=out_dir())
    base = getattr(settings, "PREBAKE_BASE_URL", None)
    if base is None and not m.data.get("base_url") and m.out_dir is not None:
        base = str(settings.STATIC_URL or "/static/").rstrip("/") + "/" + static_prefix().rstrip("/")
    if base is not None:
        m = Manifest(m.data, source=m.source, out_dir=m.out_dir, base_url=str(base))
    return m
