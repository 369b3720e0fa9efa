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

It never breaks a page of an app that ran on Django's plain storage until now
(the app's ``STATICFILES_STORAGE`` line is ignored by Django 5.1):

- a name without a ``staticfiles.json`` entry (no ``collectstatic`` has run with
  a manifest storage yet, or a file ``collectstatic`` never saw) is served
  under its own name, as the plain storage did, where Django's manifest
  storage raises ``Missing staticfiles manifest entry``;
- ``collectstatic`` leaves a reference to a file that does not exist (the
  ``//# sourceMappingURL=index.min.js.map`` of a minified script shipped
  without its map) as written, with a warning, where Django's fails the
  whole command.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from . import conf

logger = logging.getLogger("prebake.django.storage")


class MissingStaticFile(ValueError):
    """A file another static file refers to is not among the static files."""


def prebake_static_paths() -> dict[str, str]:
    """``{static name: hashed static name}`` of every asset of the loaded
    manifest, both under ``PREBAKE_STATIC_PREFIX``. Empty when no manifest could
    be loaded (the system check reports why)."""
    from . import app_config, get_manifest

    m = app_config().manifest
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
        from . import app_config

        loaded = app_config().manifest
        if loaded is None or loaded is not self._prebake_source:
            self._prebake_paths = prebake_static_paths()
            self._prebake_source = loaded
        return self._prebake_paths

    def stored_name(self, name: str) -> str:
        hashed = self.prebake_paths().get(name)
        if hashed is not None:
            return hashed
        try:
            return str(super().stored_name(name))
        except ValueError:
            # No staticfiles.json entry: the plain storage's name (module docstring).
            return str(self.clean_name(urlsplit(unquote(name)).path.strip()))

    def hashed_name(self, name: str, content: Any = None, filename: str | None = None) -> str:
        if content is None:
            # Django's own test, raised as a type url_converter can tell apart.
            path = (filename and urlsplit(unquote(filename)).path.strip()) or urlsplit(unquote(name)).path.strip()
            if not self.exists(path):
                raise MissingStaticFile(f"The file {path!r} could not be found with {self!r}.")
        return str(super().hashed_name(name, content, filename))

    def url_converter(self, name: str, hashed_files: Any, template: str | None = None) -> Any:
        convert = super().url_converter(name, hashed_files, template)

        def converter(matchobj: Any) -> str:
            try:
                return str(convert(matchobj))
            except MissingStaticFile as e:
                logger.warning("prebake: %s refers to a file that is not among the static files, left as written: %s", name, e)
                return str(matchobj.groupdict()["matched"])

        return converter

    def url(self, name: Any, force: bool = False) -> str:
        if name in self.prebake_paths():
            force = True
        return str(super().url(name, force=force))
