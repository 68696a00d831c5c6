"""Move one tenant's schema to another node of a Citus cluster (docs/scaling.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tenants.anchoring import chain_verify
from tenants.chains import chains
from tenants.citus import NOT_CITUS, MoveRefused, citus_active, tenant_schema_move
from tenants.models import Tenant, User


def _node(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--node must be HOST:PORT (e.g. 10.0.0.12:5432), not {value!r}")
    return host, int(port)


class Command(BaseCommand):
    help = (
        "Citus only: move a tenant's schema to another worker (citus_schema_move), "
        "record the move in the platform's transparency log and check the tenant's "
        "audit chains afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the tenant's subdomain")
        parser.add_argument("--node", required=True, help="the target node, HOST:PORT")
        parser.add_argument(
            "--actor", help="e-mail of the operator doing it (named in the log)"
        )
        parser.add_argument("--reason", default="", help="published with the log entry")

    def handle(self, *args, **options):
        host, port = _node(options["node"])
        if not citus_active():
            raise CommandError(NOT_CITUS)
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None or tenant.is_platform:
            raise CommandError(f"no tenant {options['slug']!r}")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(email__iexact=options["actor"]).first()
            if actor is None:
                raise CommandError(f"no user {options['actor']!r}")
        try:
            event = tenant_schema_move(
                tenant=tenant,
                host=host,
                port=port,
                actor=actor,
                actor_label=None if actor else "manage.py tenant_move",
                reason=options["reason"],
            )
        except MoveRefused as exc:
            raise CommandError(str(exc)) from exc
        details = event.details
        self.stdout.write(
            self.style.SUCCESS(
                f"{tenant.slug}: {details['schema']} moved from {details['from']} to "
                f"{details['to']} in {details['seconds']:.2f} s; platform log entry "
                f"{event.seq}."
            )
        )
        broken = False
        for chain in chains():
            result = chain_verify(tenant, chain, full=True)
            if result.ok:
                self.stdout.write(
                    f"  {chain.key} audit chain intact up to event {result.head_seq}"
                )
            else:
                broken = True
                self.stdout.write(
                    self.style.ERROR(
                        f"  {chain.key} audit chain broken at event "
                        f"{result.first_broken_seq}: {result.reason}"
                    )
                )
        if broken:
            raise SystemExit(1)
