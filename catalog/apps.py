from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """Shared app catalog, adoptions and cooperation agreements (public schema)."""

    name = "catalog"
    verbose_name = _("App catalog")

    def ready(self):
        from core.jobs import periodic_register

        from .archive import register_archive_parts

        # Adoptions and agreements in an organisation's archive (tenants/archive/).
        register_archive_parts()

        # Daily (UTC; 08:15 in Jakarta): adoptions whose agreement ended more
        # than AGREEMENT_END_GRACE_DAYS ago, and was not replaced, end.
        periodic_register(
            "adoption_end_lapsed",
            func="catalog.services.adoption_end_lapsed",
            cron="15 1 * * *",
        )
