"""End the adoptions whose agreement ended more than AGREEMENT_END_GRACE_DAYS ago.

Run daily (the background task queue schedules catalog.services.adoption_end_lapsed).
"""

from django.core.management.base import BaseCommand

from catalog.services import adoption_end_lapsed


class Command(BaseCommand):
    help = "End adoptions whose agreement ended and was not replaced within the grace period."

    def handle(self, *args, **options):
        ended = adoption_end_lapsed()
        self.stdout.write(f"{ended} adoption(s) ended.")
