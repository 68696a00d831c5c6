"""Verify a tenant's audit chain against the anchored heads and a saved head."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tenants.anchoring import chain_verify
from tenants.chains import chain_get, chain_keys_registered, chains
from tenants.heads import head_parse
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Verify a tenant's audit chain: from its last head anchored in the platform "
        "log (default), from the first event against every anchor (--full), and "
        "against a head saved elsewhere (--head FILE). Names the first event that differs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tenant", required=True, help="the tenant's subdomain (slug)"
        )
        parser.add_argument(
            "--app",
            default=None,
            help="which chain (registered in tenants/chains.py; default: the first "
            "registered, Sabilulungan's)",
        )
        parser.add_argument(
            "--head", help="a saved head file (JSON with seq and hash)", default=None
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="recompute every event, check every anchor",
        )

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None or tenant.is_platform:
            raise CommandError(f"no tenant {options['tenant']!r}")
        key = options["app"] or next(iter(chain_keys_registered()), "")
        chain = chain_get(key)
        if chain is None:
            known = ", ".join(c.key for c in chains())
            raise CommandError(f"no chain {key!r} (known: {known})")
        saved = None
        if options["head"]:
            try:
                saved = head_parse(Path(options["head"]).read_text(encoding="utf-8"))
            except OSError as exc:
                raise CommandError(f"cannot read {options['head']}: {exc}") from exc
            except ValueError as exc:
                raise CommandError(
                    f"{options['head']} is not a saved head: {exc}"
                ) from exc
        result = chain_verify(tenant, chain, full=options["full"], saved_head=saved)
        anchored = (
            f"last anchored head: event {result.anchored_seq}"
            if result.anchored_seq
            else "never anchored yet"
        )
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{tenant.name}: chain intact up to event {result.head_seq} "
                    f"({result.events_read} events read, {anchored}"
                    f"{', saved head matches' if saved else ''})."
                )
            )
            return
        self.stdout.write(
            self.style.ERROR(
                f"{tenant.name}: chain broken at event {result.first_broken_seq}: "
                f"{result.reason} ({result.events_read} events read, {anchored})."
            )
        )
        raise SystemExit(1)
