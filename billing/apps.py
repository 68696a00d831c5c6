from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Plans, Stripe subscriptions and entitlements (public schema)."""

    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
