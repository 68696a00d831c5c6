from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Plans, Stripe subscriptions and entitlements (public schema)."""

    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from tenants import hooks

        from . import (
            checks,  # noqa: F401  (registers the deployment checks)
            entitlements,
            services,
        )

        # Where billing plugs into the kernel (tenants/hooks.py).
        hooks.register(
            "tenant_provisioned", lambda tenant: services.subscription_ensure(tenant=tenant)
        )
        hooks.register("seat_check", entitlements.check_seat_available)
        hooks.register(
            "hosted_activation_check", entitlements.check_hosted_adoption_allowed
        )
        hooks.register("dashboard_panel", _dashboard_panel)

        from tenants.archive.registry import register_public_rows

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


def _dashboard_panel(request):
    """Administrators find the plan page from their dashboard."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_admin:
        return None
    return {"template": "billing/dashboard_panel.html", "context": {}, "top": False}
