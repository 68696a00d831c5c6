from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    """Sabilulungan: grants and social aid, in each adopting tenant's own schema."""

    name = "grants"
    verbose_name = _("Sabilulungan (grants and social aid)")

    def ready(self):
        from tenants.mfa import register_power_roles

        from .roles import MONEY_ROLES

        # Who approves or disburses money signs in with a second factor.
        register_power_roles(
            lambda membership: bool(MONEY_ROLES & set(membership.grant_roles))
        )
