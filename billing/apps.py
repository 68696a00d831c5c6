from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Plans, Stripe subscriptions and entitlements (public schema)."""

    name = "billing"
    verbose_name = _("Billing")
