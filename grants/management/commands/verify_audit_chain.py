"""Recompute a tenant's grants audit chain and name the first broken event."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from grants.audit import verify_stored
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Verify the hash chain of a tenant's Sabilulungan audit events."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tenant", required=True, help="the tenant's subdomain (slug)"
        )

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None or tenant.is_platform:
            raise CommandError(f"no tenant {options['tenant']!r}")
        with tenant_context(tenant):
            report = verify_stored()
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{tenant.name}: {report.events} events, chain intact."
                )
            )
            return
        self.stdout.write(
            self.style.ERROR(
                f"{tenant.name}: chain broken at event {report.first_broken_seq}: "
                f"{report.reason} ({report.events} events read)."
            )
        )
        raise SystemExit(1)
