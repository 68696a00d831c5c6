"""What the plan page shows."""

from __future__ import annotations

from dataclasses import dataclass

from tenants.models import Tenant

from . import plans
from .entitlements import (
    Standing,
    Usage,
    billing_enabled,
    plan_limit_summary,
    standing_for,
    usage_for,
)


@dataclass(frozen=True)
class Offer:
    plan: plans.Plan
    interval: str
    interval_label: str
    available: bool


def offers() -> list[Offer]:
    """Every paid plan and billing period, and whether its price is configured."""
    return [
        Offer(
            plan=plan,
            interval=interval,
            interval_label=str(plans.INTERVALS[interval]),
            available=bool(plan.price_id(interval)),
        )
        for plan in plans.PLANS.values()
        if plan.is_paid
        for interval in plan.price_settings
    ]


@dataclass(frozen=True)
class Overview:
    enabled: bool
    standing: Standing
    usage: Usage
    plan_summary: str
    plans: list[tuple[plans.Plan, str]]
    offers: list[Offer]
    can_subscribe: bool
    can_manage: bool


def billing_overview(tenant: Tenant) -> Overview:
    standing = standing_for(tenant)
    subscription = standing.subscription
    enabled = billing_enabled()
    live = bool(
        subscription
        and subscription.stripe_subscription_id
        and subscription.status in subscription.LIVE_STATUSES
    )
    return Overview(
        enabled=enabled,
        standing=standing,
        usage=usage_for(tenant),
        plan_summary=plan_limit_summary(standing.plan),
        plans=[(plan, plan_limit_summary(plan)) for plan in plans.PLANS.values()],
        offers=offers() if enabled else [],
        can_subscribe=enabled and not live,
        can_manage=enabled and bool(subscription and subscription.stripe_customer_id),
    )
