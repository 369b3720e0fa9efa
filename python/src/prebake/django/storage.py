"""A ``ManifestStaticFilesStorage`` that also knows the bake's files.

Django's ``ManifestStaticFilesStorage`` reads one ``staticfiles.json``, written
by ``collectstatic``. Pointing it at prebake's mapping instead (``prebake build
--django-staticfiles``) replaces the app's, and every other ``{% static %}``
then raises. This storage keeps the app's ``staticfiles.json`` and **merges**
the bake into its lookups: each asset of the manifest loaded at start-up,
``cmu/cmus.parquet``, becomes the static name
``PREBAKE_STATIC_PREFIX + "cmu/cmus.parquet"`` mapped to its hashed path.

Why here and not in the Go build: the two mappings come from two build steps
(``collectstatic`` and ``prebake build``) that run in either order and each
rewrite their own file; merging in memory, in the running app, needs neither to know the
other, and a new bake needs no new ``collectstatic``. ``collectstatic`` with this
storage writes only the app's files into ``staticfiles.json``, as before.

Settings::

    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "prebake.django.storage.PrebakeManifestStaticFilesStorage"},
    }

The bake's files are served from ``PREBAKE_OUT_DIR`` by
:class:`prebake.django.middleware.WhiteNoiseMiddleware` (they are not copied
into ``STATIC_ROOT``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from . import conf


def prebake_static_paths() -> dict[str, str]:
    """``{static name: hashed static name}`` of every asset of the loaded
    manifest, both under ``PREBAKE_STATIC_PREFIX``. Empty when no manifest could
    be loaded (the system check reports why)."""
    from . import _loaded, get_manifest

    m = _loaded
    if m is None:
        try:
            m = get_manifest()
        except Exception:
            return {}
    prefix = conf.static_prefix()
    return {prefix + name: prefix + str(a["path"]) for name, a in m.assets.items()}


class PrebakeManifestStaticFilesStorage(ManifestStaticFilesStorage):
    """Django's manifest storage with the bake's assets merged in (see the
    module docstring). The bake's names come from the manifest loaded at
    start-up (looked up when asked, so a reloaded manifest is seen at once);
    every other name from the app's ``staticfiles.json``, as before. A bake name
    always resolves to its hashed file, also with ``DEBUG = True`` (the unhashed
    name does not exist on disk)."""

    _prebake_source: object = None
    _prebake_paths: dict[str, str] = {}

    def prebake_paths(self) -> dict[str, str]:
        """The bake's ``{static name: hashed static name}`` (see :func:`prebake_static_paths`)."""
        from . import _loaded

        if _loaded is None or _loaded is not self._prebake_source:
            self._prebake_paths = prebake_static_paths()
            self._prebake_source = _loaded
        return self._prebake_paths

    def stored_name(self, name: str) -> str:
        hashed = self.prebake_paths().get(name)
        if hashed is not None:
            return hashed
        return str(super().stored_name(name))

    def url(self, name: Any, force: bool = False) -> str:
        if name in self.prebake_paths():
            force = True
        return str(super().url(name, force=force))
