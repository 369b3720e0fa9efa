"""The Django side of prebake: add ``"prebake.django"`` to ``INSTALLED_APPS``.

Settings (all read at start-up):

``PREBAKE_MANIFEST``
    Path or URL of the bake's ``manifest.json``. Required.
``PREBAKE_OUT_DIR``
    The bake's output directory on this machine. Optional; when set, tables and
    shards are read from disk, :meth:`~prebake.manifest.Manifest.path` works,
    the system check verifies that every file the manifest names is there, and
    :class:`prebake.django.middleware.WhiteNoiseMiddleware` serves the files
    under ``STATIC_URL + PREBAKE_STATIC_PREFIX``.
``PREBAKE_BASE_URL``
    Prefix of every URL the app hands out (a CDN). Default: the manifest's own
    ``base_url``; when that is empty and ``PREBAKE_OUT_DIR`` is set,
    ``STATIC_URL + PREBAKE_STATIC_PREFIX`` (the files served as static files).
``PREBAKE_STATIC_PREFIX``
    Where the bake sits among the static files, default ``"prebake/"``: the
    asset ``cmu/cmus.parquet`` is the static name ``prebake/cmu/cmus.parquet``.
``PREBAKE_MAX_AGE``
    Seconds; the system check warns when the bake is older. Optional.

The manifest is read once, in :meth:`PrebakeConfig.ready`, without touching
Redis or the database; :func:`get_manifest` returns it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..manifest import Manifest

_loaded: Manifest | None = None
_error: Exception | None = None


def load_manifest() -> Manifest | None:
    """(Re)read the manifest named by the settings, make it the package default
    (:func:`prebake.set_default`) and return it; on failure remember the error
    (reported by the system check and raised by :func:`get_manifest`) and
    return ``None``."""
    global _loaded, _error
    from .. import set_default
    from . import conf

    try:
        m = conf.open_manifest()
    except Exception as e:  # reported by checks and get_manifest, never swallowed
        _loaded, _error = None, e
        set_default(None)
        return None
    _loaded, _error = m, None
    set_default(m)
    return m


def load_error() -> Exception | None:
    """Why the manifest could not be loaded at start-up, or ``None``."""
    return _error


def get_manifest() -> Manifest:
    """The manifest loaded at start-up.

    Raises ``django.core.exceptions.ImproperlyConfigured`` with the reason when
    it could not be loaded (missing file, bad JSON, unknown schema version).
    """
    from django.core.exceptions import ImproperlyConfigured

    if _loaded is None and _error is None:
        load_manifest()
    if _loaded is None:
        raise ImproperlyConfigured(f"prebake: {_error}")
    return _loaded
