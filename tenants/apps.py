from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Tenants and members")

    def ready(self):
        from django.urls import register_converter

        from . import routing  # noqa: F401 -- its receivers drop stale tenant routes
        from .converters import RowIdConverter

        # <id:...> in every URLconf: database ids that cannot overflow a bigint.
        register_converter(RowIdConverter, "id")

        from core.jobs import periodic_register

        from .archive.parts import register_kernel_parts

        # The kernel's rows in a tenant's archive (tenants/archive/).
        register_kernel_parts()

        # Background jobs of the kernel (core/jobs.py; UTC).
        periodic_register(
            "chains_anchor", func="tenants.tasks.chains_anchor_job", cron="5 * * * *"
        )
        # The warm pool of tenant schemas (tenants/schema.py); a no-op at size 0.
        periodic_register(
            "schema_pool_fill",
            func="tenants.tasks.schema_pool_fill_job",
            cron="*/10 * * * *",
        )
        periodic_register(
            "tenant_archives_expire",
            func="tenants.tasks.tenant_archives_expire_job",
            cron="35 * * * *",
        )
        # The daily digest of notifications, 17:00 WIB, after the working day.
        periodic_register(
            "notifications_digest",
            func="tenants.notifications.digest_job",
            cron="0 10 * * *",
        )
        periodic_register(
            "chain_heads_mail",
            func="tenants.tasks.chain_heads_mail_job",
            cron="30 22 * * *",
        )
