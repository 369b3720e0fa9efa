"""Read a prebake bake from Python: the manifest, tables into pandas, one-shard
lookups, and (``prebake.django``) a Django app that serves the bake.

Quick start::

    import prebake
    m = prebake.load("manifest.json", out_dir="output")
    m.url("cmu/cmus.parquet")
    df = prebake.read_table("cmu/cmus", m)          # the app's cmu_dataframe_v1
    prebake.cmu_to_company_mapping(m)               # the app's cmu_to_company_mapping
    prebake.changes(m)                              # what changed since the bake it replaced

Functions taking ``manifest=None`` use the default manifest: the one
:func:`set_default` was given (the Django app sets it at start-up), else one
loaded once from the environment variables ``PREBAKE_MANIFEST`` (path or URL),
``PREBAKE_OUT_DIR`` and ``PREBAKE_BASE_URL``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from .changelog import Changelog, changes
from .lookups import PostcodeLocation, company, component_detail, group_properties, location_groups, postcode_location
from .manifest import SCHEMA_VERSIONS, IntegrityError, Manifest, ManifestError, Problem, load
from .tables import TableFormatError, cmu_to_company_mapping, frame_from_records, frame_from_split, have_pyarrow, read_json, read_table

__all__ = [
    "SCHEMA_VERSIONS",
    "Changelog",
    "IntegrityError",
    "Manifest",
    "ManifestError",
    "PostcodeLocation",
    "Problem",
    "TableFormatError",
    "changes",
    "cmu_to_company_mapping",
    "company",
    "component_detail",
    "frame_from_records",
    "frame_from_split",
    "get_default",
    "have_pyarrow",
    "load",
    "group_properties",
    "location_groups",
    "postcode_location",
    "read_json",
    "read_table",
    "set_default",
]

# The version lives in one place, cmd/prebake/VERSION (this package's VERSION is
# a symlink to it; wheels carry a copy): the Go binary embeds the same file.
__version__ = (Path(__file__).with_name("VERSION")).read_text(encoding="utf-8").strip()

_default: Manifest | None = None
_lock = threading.Lock()


def set_default(m: Manifest | None) -> None:
    """Make ``m`` the manifest used when a function is given none."""
    global _default
    _default = m


def get_default() -> Manifest:
    """The default manifest (see the module docstring). Raises
    :class:`ManifestError` when none is set and ``PREBAKE_MANIFEST`` is unset."""
    global _default
    if _default is not None:
        return _default
    with _lock:
        if _default is None:
            src = os.environ.get("PREBAKE_MANIFEST")
            if not src:
                raise ManifestError("no manifest: pass one, call prebake.set_default(), add prebake.django to INSTALLED_APPS, or set PREBAKE_MANIFEST")
            _default = load(src, out_dir=os.environ.get("PREBAKE_OUT_DIR") or None, base_url=os.environ.get("PREBAKE_BASE_URL"))
        return _default
