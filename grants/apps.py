from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    """Sabilulungan: grants and social aid, in each adopting tenant's own schema."""

    name = "grants"
    verbose_name = _("Sabilulungan (grants and social aid)")
