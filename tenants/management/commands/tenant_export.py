"""Write one tenant's archive: its schema, its public rows, its files (tenants/archive/)."""

import time

from django.core.management.base import BaseCommand, CommandError

from tenants.archive.service import COMMAND_LINE, ArchiveError, tenant_export
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Export one organisation to a self-describing archive (tar.gz): its schema's "
        "rows, its rows of the public schema, its uploaded files, and a manifest with "
        "migration state, row counts and checksums. Never password hashes or "
        "second-factor secrets. Recorded in the platform log."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the organisation's subdomain")
        parser.add_argument("file", help="where to write the archive (e.g. bandung.tar.gz)")

    def handle(self, *args, slug, file, **options):
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None or tenant.is_platform:
            raise CommandError(f"There is no organisation “{slug}” on this platform.")
        started = time.perf_counter()
        try:
            result = tenant_export(tenant=tenant, path=file, actor_label=COMMAND_LINE)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Cannot write {file}: {exc.strerror or exc}") from exc
        heads = ", ".join(
            f"{key} #{head['seq']}" for key, head in sorted(result.heads.items())
        )
        self.stdout.write(
            f"Wrote {result.path} ({result.bytes:,} bytes, {result.rows:,} rows, "
            f"{result.files} files, audit heads: {heads or 'none'}) in "
            f"{time.perf_counter() - started:.2f} s.\nSHA-256 {result.sha256}"
        )
