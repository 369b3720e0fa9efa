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

The manifest is read once, in :meth:`PrebakeConfig.ready
<prebake.django.apps.PrebakeConfig.ready>`, without touching Redis or the
database, and kept on the app's ``AppConfig`` (``apps.get_app_config("prebake")``);
:func:`get_manifest` returns it.

The cache backend :class:`prebake.django.cache.PrebakeCache` (``CACHES["default"]``
with ``"PREBAKE_WRAPPED_BACKEND"``) answers the app's replaced cache families from
this manifest and keeps them out of Redis; see :mod:`prebake.django.cache`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..manifest import Manifest
    from .apps import PrebakeConfig


def app_config() -> PrebakeConfig:
    """The installed ``prebake.django`` app, which holds the loaded manifest.

    Raises ``django.core.exceptions.ImproperlyConfigured`` when
    ``"prebake.django"`` is not in ``INSTALLED_APPS``."""
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    try:
        return apps.get_app_config("prebake")  # type: ignore[return-value]
    except LookupError:
        raise ImproperlyConfigured('prebake: add "prebake.django" to INSTALLED_APPS (it loads the manifest at start-up)') from None


def load_manifest() -> Manifest | None:
    """(Re)read the manifest named by the settings into the app config, make it
    the package default (:func:`prebake.set_default`) and return it; on failure
    remember the error (reported by the system check and raised by
    :func:`get_manifest`) and return ``None``."""
    return app_config().load_manifest()


def load_error() -> Exception | None:
    """Why the manifest could not be loaded at start-up, or ``None``."""
    return app_config().load_error


def get_manifest() -> Manifest:
    """The manifest loaded at start-up.

    Raises ``django.core.exceptions.ImproperlyConfigured`` with the reason when
    it could not be loaded (missing file, bad JSON, unknown schema version) or
    ``prebake.django`` is not installed.
    """
    from django.core.exceptions import ImproperlyConfigured

    cfg = app_config()
    if cfg.manifest is None and cfg.load_error is None:
        cfg.load_manifest()
    if cfg.manifest is None:
        raise ImproperlyConfigured(f"prebake: {cfg.load_error}")
    return cfg.manifest
