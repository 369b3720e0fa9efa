"""System checks: ``manage.py check`` (and ``runserver``, ``migrate``) fail
clearly when the bake cannot serve the app.

========  =================================================================
id        when
========  =================================================================
E001      ``PREBAKE_MANIFEST`` is not set
E002      the manifest could not be loaded at start-up (missing, not JSON,
          unknown ``schema_version``): the message names the file and reason
E003      stale: files the manifest names are missing from ``PREBAKE_OUT_DIR``
          (the directory holds another bake, or the upload is incomplete)
E004      stale: ``manifest.json`` on disk is a different build from the one
          this process loaded (restart the process to serve the new bake)
W001      the bake is older than ``PREBAKE_MAX_AGE`` seconds
========  =================================================================
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

from ..manifest import is_url

def check_manifest(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from . import app_config

    if not getattr(settings, "PREBAKE_MANIFEST", None):
        return [checks.Error("PREBAKE_MANIFEST is not set", hint="Set it to the path or URL of the bake's manifest.json.", id="prebake.E001")]
    cfg = app_config()
    err = cfg.load_error
    if err is not None or cfg.manifest is None:
        return [
            checks.Error(
                f"prebake: the manifest could not be loaded: {err}",
                hint="Run `prebake build` (or deploy its output), and check PREBAKE_MANIFEST.",
                id="prebake.E002",
            )
        ]
    m = cfg.manifest
    out: list[checks.CheckMessage] = []
    if m.out_dir is not None:
        missing = _missing_files(m.out_dir, m.data)
        if missing:
            shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
            out.append(
                checks.Error(
                    f"prebake: stale output directory {m.out_dir}: {len(missing)} file(s) named by {m.source} (build {m.build_id}) are missing: {shown}",
                    hint="PREBAKE_OUT_DIR must be the --out of the build that wrote PREBAKE_MANIFEST.",
                    id="prebake.E003",
                )
            )
    if not is_url(m.source):
        try:
            on_disk = json.loads(Path(m.source).read_bytes()).get("build_id")
        except (OSError, ValueError, AttributeError):
            on_disk = None
        if on_disk != m.build_id:
            out.append(
                checks.Error(
                    f"prebake: {m.source} is now build {on_disk}, this process loaded build {m.build_id}",
                    hint="Restart the process to serve the new bake.",
                    id="prebake.E004",
                )
            )
    limit = getattr(settings, "PREBAKE_MAX_AGE", None)
    if limit is not None and m.created:
        try:
            created = datetime.fromisoformat(m.created.replace("Z", "+00:00"))
        except ValueError:
            created = None
        if created is not None:
            age = (datetime.now(timezone.utc) - created).total_seconds()
            if age > float(limit):
                out.append(
                    checks.Warning(
                        f"prebake: build {m.build_id} was created {m.created}, {age / 86400:.1f} days ago (PREBAKE_MAX_AGE is {float(limit) / 86400:.1f} days)",
                        hint="Re-run the bake.",
                        id="prebake.W001",
                    )
                )
    return out


def _missing_files(out_dir: Path, data: Any) -> list[str]:
    """Paths the manifest names (assets, each set's directory and index) that
    are not under ``out_dir``: one stat each, not a re-hash (``prebake verify``
    and :meth:`Manifest.verify` re-hash)."""
    missing = []
    for a in (data.get("assets") or {}).values():
        if not (out_dir / a["path"]).is_file():
            missing.append(a["path"])
    for group in ("tilesets", "shardsets"):
        for s in (data.get(group) or {}).values():
            if s.get("format") == "pmtiles":
                continue
            for p in (s.get("path"), s.get("index")):
                if p and not (out_dir / p).exists():
                    missing.append(p)
    return missing
