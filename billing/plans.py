"""The plans a tenant can be on, defined in code; Stripe prices come from settings.

Apps stay free to adopt (they are hibah between governments); a plan buys
capacity: member seats and hosted apps adopted. Nothing public is ever limited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Billing periods a paid plan can be bought for, as Stripe names them.
INTERVALS = {"month": _("monthly"), "year": _("yearly")}


@dataclass(frozen=True)
class Plan:
    key: str
    label: str | Promise
    # None means unlimited.
    max_seats: int | None
    max_hosted_adoptions: int | None
    # Billing interval -> name of the setting that holds its Stripe price id.
    price_settings: dict[str, str] = field(default_factory=dict)

    @property
    def is_paid(self) -> bool:
        return bool(self.price_settings)

    @property
    def is_unlimited(self) -> bool:
        return self.max_seats is None and self.max_hosted_adoptions is None

    def price_id(self, interval: str) -> str:
        name = self.price_settings.get(interval)
        return getattr(settings, name, "") if name else ""

    def __str__(self):
        return str(self.label)


FREE = Plan(key="free", label=_("Free"), max_seats=5, max_hosted_adoptions=1)
UNLIMITED = Plan(
    key="unlimited",
    label=_("Unlimited"),
    max_seats=None,
    max_hosted_adoptions=None,
    price_settings={
        "month": "STRIPE_PRICE_UNLIMITED_MONTHLY",
        "year": "STRIPE_PRICE_UNLIMITED_YEARLY",
    },
)

PLANS: dict[str, Plan] = {plan.key: plan for plan in (FREE, UNLIMITED)}
PLAN_CHOICES = [(plan.key, plan.label) for plan in PLANS.values()]


def get(key: str) -> Plan | None:
    return PLANS.get(key)


def plan_for_price(price_id: str) -> tuple[Plan, str] | None:
    """The plan and interval a Stripe price id stands for (None for a price we do not sell)."""
    if not price_id:
        return None
    for plan in PLANS.values():
        for interval in plan.price_settings:
            if plan.price_id(interval) == price_id:
                return plan, interval
    return None
