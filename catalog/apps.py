from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """Shared app catalog, adoptions and cooperation agreements (public schema)."""

    name = "catalog"
    verbose_name = _("App catalog")
