"""WhiteNoise, also serving the bake's output directory.

Use instead of ``whitenoise.middleware.WhiteNoiseMiddleware``::

    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "prebake.django.middleware.WhiteNoiseMiddleware",
        ...
    ]

On top of WhiteNoise's own behaviour it serves ``PREBAKE_OUT_DIR`` at
``STATIC_URL + PREBAKE_STATIC_PREFIX`` (without copying it into
``STATIC_ROOT``), with the bake's ``.br`` and ``.gz`` variants as
``Content-Encoding`` (WhiteNoise picks them by ``Accept-Encoding``), and marks
every file with a prebake content hash in its path (an asset
``name.<16 hex>.ext``, every file of a tile or shard set ``set.<16 hex>/…``) as
immutable: ``Cache-Control: max-age=315360000, public, immutable``. prebake's
own state (``.prebake/``) and the ``.zst`` variants, which WhiteNoise cannot
negotiate, are not served.
"""

from __future__ import annotations

import os
import re
from typing import Any

from django.conf import settings as django_settings
from whitenoise.middleware import WhiteNoiseMiddleware as _WhiteNoiseMiddleware
from whitenoise.responders import MissingFileError

from . import conf

#: A path segment carrying a prebake content hash: ``.<16 hex>`` followed by an
#: extension, a directory separator or the end (docs/manifest.md).
PREBAKE_HASH = re.compile(r"\.[0-9a-f]{16}(?:[./]|$)")


class WhiteNoiseMiddleware(_WhiteNoiseMiddleware):  # type: ignore[misc]  # WhiteNoise ships no types
    """``whitenoise.middleware.WhiteNoiseMiddleware`` plus the bake (see the module docstring)."""

    prebake_prefix: str | None = None
    prebake_root: str | None = None

    def __init__(self, get_response: Any = None, settings: Any = django_settings) -> None:
        super().__init__(get_response, settings=settings)
        out = conf.out_dir()
        if out is not None:
            self.prebake_prefix = self.static_prefix + conf.static_prefix()
            self.prebake_root = os.path.abspath(out).rstrip(os.sep) + os.sep
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
