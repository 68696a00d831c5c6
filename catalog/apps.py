from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """Shared app catalog, adoptions and cooperation agreements (public schema)."""

    name = "catalog"
    verbose_name = _("App catalog")

    def ready(self):
        from core.jobs import periodic_register
        from tenants import hooks, hosted

        from . import dashboard, middleware, selectors, services
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
        # Where the catalog plugs into the kernel (tenants/hooks.py,
        # tenants/hosted.py): a hosted app is switched on in a tenant that
        # publishes it or actively adopts it.
        hosted.register_activation_source(
            selectors.enabled_module_keys,
            adopted_count=selectors.hosted_adoptions_used,
        )
        hooks.register(
            "tenant_status_changed",
            lambda tenant: services.adopters_recount(adopter=tenant),
        )
        hooks.register(
            "tenant_deleting", lambda tenant: services.tenant_catalog_purge(tenant=tenant)
        )
        hooks.register("setup_steps", dashboard.setup_steps)
        hooks.register("todo_items", dashboard.todo_items)
        hooks.register("dashboard_panel", dashboard.agreements_panel)
        hooks.register("dashboard_panel", dashboard.apps_panel)
        hooks.register("demo", dashboard.seed_demo)
        hooks.register("hosted_app_off", middleware.module_not_enabled)
        # Hourly: queue a check of each approved repository link not checked
        # for HARVEST_INTERVAL_HOURS (catalog/harvest.py), spread over the day.
        periodic_register(
            "catalog_harvest_due",
            func="catalog.harvest.harvest_due",
            cron="7 * * * *",
        )
