"""The app configuration: loads the manifest once at start-up."""

from __future__ import annotations

from django.apps import AppConfig


class PrebakeConfig(AppConfig):
    """``INSTALLED_APPS = [..., "prebake.django"]``.

    ``ready()`` reads the manifest (one small file: no Redis, no database) and
    registers the system checks; a manifest that cannot be read does not stop
    start-up, it is reported by ``manage.py check`` (``prebake.E002``) and
    raised by :func:`prebake.django.get_manifest`.
    """

    name = "prebake.django"
    label = "prebake"
    verbose_name = "prebake"
    default = True

    def ready(self) -> None:
        from . import checks, load_manifest

        checks.register()
        load_manifest()
