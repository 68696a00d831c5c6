"""The background-job worker: writes the periodic jobs' schedules, then runs the queue."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from core.jobs import periodic_jobs, periodic_sync


class Command(BaseCommand):
    help = (
        "Run the background-job worker (django-q2 cluster): queued e-mail, "
        "anchoring, and the periodic jobs registered in core/jobs.py."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="run the jobs queued now and exit (e.g. from cron) instead of staying up",
        )

    def handle(self, *args, **options):
        periodic_sync()
        for job in periodic_jobs():
            self.stdout.write(
                f"periodic job {job.name}: {job.func} at '{job.cron}' (UTC)"
            )
        if options["once"]:
            from core.jobs import jobs_run_pending

            ran = jobs_run_pending()
            self.stdout.write(f"{ran} queued jobs run.")
            return
        call_command("qcluster")
