"""Restore one tenant from its archive into a new schema (tenants/archive/)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tenants.archive.service import COMMAND_LINE, ArchiveError, tenant_import
from tenants.heads import head_clean


class Command(BaseCommand):
    help = (
        "Import an organisation's archive into a new schema. Without --as it comes "
        "back under its own subdomain with its verification, region code, adoptions "
        "and agreements (disaster recovery, a move between servers); with --as NEWSLUG "
        "a copy is made that starts unverified, without region code and without the "
        "source's adoptions and agreements. Users are matched by e-mail; missing ones "
        "are created without a password. Nothing is overwritten, and a failure leaves "
        "nothing behind. Give the source platform's log.json (--log) or a saved head "
        "(--head) to check the audit history against what the source anchored."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive (from tenant_export)")
        parser.add_argument(
            "--as", dest="new_slug", default=None, help="import as a copy with this subdomain"
        )
        parser.add_argument(
            "--log",
            action="append",
            default=[],
            help="the source platform's /transparency/log.json (every page: repeat, "
            "or one file holding a list of pages)",
        )
        parser.add_argument(
            "--head",
            action="append",
            default=[],
            help="a saved head file of the organisation's audit history (JSON)",
        )

    def handle(self, *args, file, new_slug, log, head, **options):
        saved = []
        for name in head:
            try:
                import json

                data = json.loads(Path(name).read_text(encoding="utf-8"))
                seq, hash_ = head_clean(data.get("seq"), data.get("hash"))
                saved.append((str(data.get("chain") or "grants"), seq, hash_))
            except (OSError, ValueError, AttributeError) as exc:
                raise CommandError(f"{name} is not a saved head file: {exc}") from exc
        started = time.perf_counter()
        try:
            result = tenant_import(
                path=file,
                new_slug=new_slug,
                actor_label=COMMAND_LINE,
                log_files=log,
                saved_heads=saved,
            )
        except ArchiveError as exc:
            raise CommandError(f"Nothing was imported. {exc}") from exc
        tenant = result.tenant
        heads = ", ".join(
            f"{key} #{h['seq']} {h['hash'][:16]}…" for key, h in sorted(result.heads.items())
        )
        checked = (
            "checked against the source's anchored heads: " + ", ".join(result.checked_against)
            if result.checked_against
            else "NOT checked against the source platform (give --log or --head)"
        )
        skipped = "; ".join(f"{n} {key}" for key, n in sorted(result.skipped.items()))
        self.stdout.write(
            f"Imported {'a copy as ' if result.copy else ''}{tenant.slug} (schema "
            f"{tenant.schema_name}): {result.rows:,} rows, {result.files} files, "
            f"{result.users_matched} people matched by e-mail, {result.users_created} "
            f"created without a password, in {time.perf_counter() - started:.2f} s.\n"
            f"Audit history verified ({heads or 'none'}), {checked}.\n"
            f"Platform log entry #{result.event_seq}."
            + (f"\nNot imported: {skipped}." if skipped else "")
        )
