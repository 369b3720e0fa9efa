"""The app configuration: loads the manifest once at start-up and holds it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.core import checks

if TYPE_CHECKING:
    from ..manifest import Manifest


class PrebakeConfig(AppConfig):
    """``INSTALLED_APPS = [..., "prebake.django"]``.

    ``ready()`` reads the manifest (one small file: no Redis, no database) into
    :attr:`manifest` and registers the system checks; a manifest that cannot be
    read does not stop start-up: its error is :attr:`load_error`, reported by
    ``manage.py check`` (``prebake.E002``) and raised by
    :func:`prebake.django.get_manifest`.
    """

    name = "prebake.django"
    label = "prebake"
    verbose_name = "prebake"
    default = True

    #: The manifest loaded at start-up (or by :meth:`load_manifest`), else None.
    manifest: Manifest | None = None
    #: Why it could not be loaded, else None.
    load_error: Exception | None = None

    def ready(self) -> None:
        from .checks import check_manifest

        # The registry is a set: registering again (a second ready()) adds nothing.
        checks.register(check_manifest, "prebake")
        self.load_manifest()

    def load_manifest(self) -> Manifest | None:
        """(Re)read the manifest the settings name, make it the package default
        (:func:`prebake.set_default`) and return it; on failure keep the error
        in :attr:`load_error` and return ``None``."""
        from .. import set_default
        from . import conf

        try:
            m = conf.open_manifest()
        except Exception as e:  # reported by checks and get_manifest, never swallowed
            self.manifest, self.load_error = None, e
            set_default(None)
            return None
        self.manifest, self.load_error = m, None
        set_default(m)
        return m
