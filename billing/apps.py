from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Plans, Stripe subscriptions and entitlements (public schema)."""

    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from tenants.archive.registry import register_public_rows

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .models import Subscription

        def fresh_plan(row, ctx):
            # A copy starts on the free plan: the source's payments are the source's.
            return {"tenant_id": row["tenant_id"]}

        # The plan in an organisation's archive (tenants/archive/).
        register_public_rows(
            Subscription,
            rows=lambda tenant: Subscription.objects.filter(tenant=tenant),
            order=20,
            on_copy=fresh_plan,
        )
