"""Deployment checks: billing switched on but not wired up completely."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

from . import plans


@register("billing", deploy=True)
def stripe_configuration(app_configs, **kwargs):
    if not settings.STRIPE_SECRET_KEY:
        return []
    warnings = []
    if not settings.STRIPE_WEBHOOK_SECRET:
        warnings.append(
            Warning(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: every "
                "webhook will be refused and plans will never follow payments.",
                id="billing.W001",
            )
        )
    missing = [
        name
        for plan in plans.PLANS.values()
        for name in plan.price_settings.values()
        if not getattr(settings, name, "")
    ]
    if missing:
        warnings.append(
            Warning(
                f"Billing is on but {', '.join(missing)} is not set; that plan "
                "cannot be bought.",
                id="billing.W002",
            )
        )
    return warnings
