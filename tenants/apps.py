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
