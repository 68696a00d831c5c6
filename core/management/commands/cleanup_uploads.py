"""Remove uploaded files that no row names (refused uploads, deleted rows)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from core.files import orphans
from core.storage import delete_files


class Command(BaseCommand):
    help = (
        "List, then remove, uploaded files that no row of any schema names. "
        "Files younger than --older-than-hours are left (an upload in progress)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=float,
            default=24,
            help="only files last changed at least this long ago (default 24)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list them, remove nothing"
        )

    def handle(self, *args, older_than_hours, dry_run, **options):
        if older_than_hours < 0:
            raise CommandError("--older-than-hours cannot be negative.")
        found = orphans(older_than=timedelta(hours=older_than_hours))
        if not dry_run:
            delete_files(found)
        for name in found:
            self.stdout.write(("would remove " if dry_run else "removed ") + name)
        self.stdout.write(
            f"{len(found)} orphaned file(s) {'found' if dry_run else 'removed'}."
        )
