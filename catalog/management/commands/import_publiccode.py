"""Import publiccode.yml files into the catalog for one publisher.

    python manage.py import_publiccode FILE [FILE...] --publisher SLUG
        [--confirm-publisher-change]

Each file is imported on its own: a file with problems imports nothing and
is reported with every problem, the others still go in. The command exits
non-zero if any file was not imported. A file that names another publishing
organisation than the entry's current file is refused unless
--confirm-publisher-change is given. It runs as the platform itself
(operators with shell access), so it needs no account.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from catalog.publiccode import PubliccodeError, import_publiccode
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Create or update catalog entries from publiccode.yml files (matched by url)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="+", metavar="FILE", help="publiccode.yml files"
        )
        parser.add_argument(
            "--publisher",
            required=True,
            metavar="SLUG",
            help="Subdomain of the organisation that publishes the apps.",
        )
        parser.add_argument(
            "--confirm-publisher-change",
            action="store_true",
            help="Accept files that change the publishing organisation of an entry.",
        )

    def handle(self, *args, files, publisher, confirm_publisher_change, **options):
        connection.set_schema_to_public()
        tenant = Tenant.objects.filter(slug=publisher).first()
        if tenant is None:
            raise CommandError(f"No organisation has the subdomain {publisher!r}.")
        failed = 0
        for path in files:
            try:
                with open(path, "rb") as handle:
                    # One byte over the limit is enough to refuse a huge file.
                    data = handle.read(settings.MAX_PUBLICCODE_BYTES + 1)
            except OSError as exc:
                failed += 1
                self.stderr.write(f"{path}: not imported: {exc.strerror or exc}")
                continue
            try:
                result = import_publiccode(
                    actor=None,
                    publisher=tenant,
                    data=data,
                    confirm_publisher_change=confirm_publisher_change,
                )
            except PubliccodeError as exc:
                failed += 1
                self.stderr.write(f"{path}: not imported:")
                for issue in exc.issues:
                    self.stderr.write(f"  {issue}")
                if any(issue.path == "organisation" for issue in exc.issues):
                    self.stderr.write(
                        "  (run again with --confirm-publisher-change to accept it)"
                    )
                continue
            except PermissionDenied as exc:
                failed += 1
                self.stderr.write(f"{path}: not imported: {exc}")
                continue
            verb = "created" if result.created else "updated"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{path}: {verb} {result.app.slug} ({result.app.name})"
                )
            )
        if failed:
            raise CommandError(
                f"{failed} of {len(files)} files were not imported.", returncode=1
            )
