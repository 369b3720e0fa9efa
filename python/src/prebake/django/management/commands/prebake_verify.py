"""``manage.py prebake_verify [--files] [NAME ...]``: re-hash the bake's files
under ``PREBAKE_OUT_DIR`` against the manifest loaded at start-up (the on-demand
integrity check, for a release phase or after an upload). Exits non-zero,
listing every problem, when a file is missing or differs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from prebake.django import get_manifest
from prebake.manifest import redact_url


class Command(BaseCommand):
    help = "Re-hash the bake's files against manifest.json (assets, and with --files every tile and shard)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="logical names to check (default: all)")
        parser.add_argument("--files", action="store_true", help="also check every file of every tile and shard set")

    def handle(self, *args: Any, **options: Any) -> None:
        m = get_manifest()
        problems = m.verify(options["names"] or None, files=options["files"])
        for p in problems:
            self.stderr.write(f"{p.reason}: {p.detail}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {m.out_dir} against {redact_url(m.source)} (build {m.build_id})")
        self.stdout.write(f"ok: build {m.build_id}, every file checked matches {redact_url(m.source)}")
