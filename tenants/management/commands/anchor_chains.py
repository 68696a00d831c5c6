"""Anchor every changed tenant chain head into the platform's transparency log now."""

from django.core.management.base import BaseCommand

from tenants.anchoring import chains_anchor


class Command(BaseCommand):
    help = "Anchor the audit-chain heads that changed since their last anchor (one log entry)."

    def handle(self, *args, **options):
        run = chains_anchor()
        if run.event is None:
            self.stdout.write(
                f"No chain head changed ({run.tenants_read} organisations read)."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Anchored {len(run.anchors)} chain heads in platform log entry "
                f"{run.event.seq} ({run.tenants_read} organisations read)."
            )
        )
