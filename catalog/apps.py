from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """Shared app catalog, adoptions and cooperation agreements (public schema)."""

    name = "catalog"
    verbose_name = _("App catalog")

    def ready(self):
        from core.jobs import periodic_register

        # Daily (UTC; 08:15 in Jakarta): adoptions whose agreement ended more
        # than AGREEMENT_END_GRACE_DAYS ago, and was not replaced, end.
        periodic_register(
            "adoption_end_lapsed",
            func="catalog.services.adoption_end_lapsed",
            cron="15 1 * * *",
        )
        # Hourly: queue a check of each approved repository link not checked
        # for HARVEST_INTERVAL_HOURS (catalog/harvest.py), spread over the day.
        periodic_register(
            "catalog_harvest_due",
            func="catalog.harvest.harvest_due",
            cron="7 * * * *",
        )
