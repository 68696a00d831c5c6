"""What a tenant's plan allows, checked where it bites.

Only new work is limited: accepting an invitation past the seat limit and
adopting a hosted app past the hosted-app limit. Public pages, open data and
everything a tenant already has are never limited, whatever its billing says.
With billing off every tenant has the unlimited plan and no query is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenants import hooks, hosted
from tenants.models import Membership, Tenant

from . import plans
from .models import Subscription
from .plans import Plan

# Where a tenant's administrators change the plan (on the tenant's own host).
UPGRADE_PATH = "/billing/"


def billing_enabled() -> bool:
    """Billing is on exactly when a Stripe secret key is configured."""
    return bool(settings.STRIPE_SECRET_KEY)


@dataclass(frozen=True)
class Standing:
    """The plan whose limits apply now, and why."""

    plan: Plan
    # off | free | paid | grace | lapsed | complimentary
    state: str
    subscription: Subscription | None = None
    grace_until: datetime | None = None


def standing_from(subscription: Subscription | None, *, now=None) -> Standing:
    """The standing a subscription row gives (billing on)."""
    if subscription is None:
        return Standing(plan=plans.FREE, state="free")
    if subscription.complimentary_plan and plans.get(subscription.complimentary_plan):
        return Standing(
            plan=plans.get(subscription.complimentary_plan),
            state="complimentary",
            subscription=subscription,
        )
    bought = plans.get(subscription.plan) or plans.FREE
    status = subscription.status
    if status in Subscription.PAID_STATUSES:
        return Standing(plan=bought, state="paid", subscription=subscription)
    if status in Subscription.DUNNING_STATUSES:
        now = now or timezone.now()
        if subscription.grace_until and subscription.grace_until > now:
            return Standing(
                plan=bought,
                state="grace",
                subscription=subscription,
                grace_until=subscription.grace_until,
            )
        return Standing(
            plan=plans.FREE,
            state="lapsed",
            subscription=subscription,
            grace_until=subscription.grace_until,
        )
    return Standing(plan=plans.FREE, state="free", subscription=subscription)


def standing_for(tenant: Tenant) -> Standing:
    if not billing_enabled():
        return Standing(plan=plans.UNLIMITED, state="off")
    return standing_from(Subscription.objects.filter(tenant=tenant).first())


def plan_for(tenant: Tenant) -> Plan:
    """The plan whose limits apply to `tenant` now."""
    return standing_for(tenant).plan


@dataclass(frozen=True)
class Usage:
    seats: int
    hosted_adoptions: int


def seats_used(tenant: Tenant) -> int:
    return Membership.objects.filter(tenant=tenant).count()


def hosted_adoptions_used(tenant: Tenant) -> int:
    """Hosted apps the tenant adopted and uses — not ones it publishes (the
    catalog counts them, through the kernel's hosted-app contract)."""
    return hosted.adopted_count(tenant)


def usage_for(tenant: Tenant) -> Usage:
    return Usage(
        seats=seats_used(tenant), hosted_adoptions=hosted_adoptions_used(tenant)
    )


def _locked_plan(tenant: Tenant) -> Plan:
    """The plan, with the tenant's billing row locked until the caller's transaction
    ends, so two acceptances (or activations) cannot both take the last place."""
    subscription = (
        Subscription.objects.select_for_update().filter(tenant=tenant).first()
    )
    return standing_from(subscription).plan


def check_seat_available(tenant: Tenant, *, user=None) -> None:
    """Raise ValidationError unless one more member fits the plan.

    `user` already being a member takes no new seat. Call inside the
    transaction that adds the membership.
    """
    if not billing_enabled():
        return
    with transaction.atomic():
        plan = _locked_plan(tenant)
        if plan.max_seats is None:
            return
        if (
            user is not None
            and Membership.objects.filter(user=user, tenant=tenant).exists()
        ):
            return
        if seats_used(tenant) >= plan.max_seats:
            raise ValidationError(
                ngettext(
                    "%(tenant)s has used the %(limit)d member seat of its %(plan)s plan, "
                    "so nobody can join right now. An administrator of %(tenant)s can "
                    "upgrade the plan on the Plan and billing page (%(url)s).",
                    "%(tenant)s has used all %(limit)d member seats of its %(plan)s plan, "
                    "so nobody can join right now. An administrator of %(tenant)s can "
                    "upgrade the plan on the Plan and billing page (%(url)s).",
                    plan.max_seats,
                )
                % {
                    "tenant": tenant,
                    "limit": plan.max_seats,
                    "plan": plan.label,
                    "url": UPGRADE_PATH,
                },
                code=hooks.LIMIT_CODE,
            )


def check_hosted_adoption_allowed(tenant: Tenant, *, label, count_used) -> None:
    """Raise ValidationError unless `tenant` may take on one more hosted app
    (called `label`) under its plan: the kernel's `hosted_activation_check` hook.

    `count_used()` counts the places already taken; it is called with the
    tenant's billing row locked, so call this inside the transaction that
    creates or activates the adoption.
    """
    if not billing_enabled():
        return
    with transaction.atomic():
        plan = _locked_plan(tenant)
        limit = plan.max_hosted_adoptions
        if limit is None:
            return
        used = count_used()
        if used >= limit:
            raise ValidationError(
                ngettext(
                    "The %(plan)s plan of %(tenant)s includes %(limit)d hosted app, and "
                    "it is taken. Upgrade the plan on the Plan and billing page (%(url)s) "
                    "to adopt %(app)s; the apps you already use keep working.",
                    "The %(plan)s plan of %(tenant)s includes %(limit)d hosted apps, and "
                    "they are taken. Upgrade the plan on the Plan and billing page "
                    "(%(url)s) to adopt %(app)s; the apps you already use keep working.",
                    limit,
                )
                % {
                    "plan": plan.label,
                    "tenant": tenant,
                    "limit": limit,
                    "url": UPGRADE_PATH,
                    "app": label,
                },
                code=hooks.LIMIT_CODE,
            )


# Was this refusal a plan limit (so the page can offer the upgrade link)?
is_plan_limit = hooks.is_limit


def plan_limit_summary(plan: Plan) -> str:
    """One line saying what a plan includes, for the plan page."""
    seats = (
        _("unlimited member seats")
        if plan.max_seats is None
        else ngettext("%(n)d member seat", "%(n)d member seats", plan.max_seats)
        % {"n": plan.max_seats}
    )
    hosted = (
        _("unlimited hosted apps")
        if plan.max_hosted_adoptions is None
        else ngettext(
            "%(n)d hosted app adopted",
            "%(n)d hosted apps adopted",
            plan.max_hosted_adoptions,
        )
        % {"n": plan.max_hosted_adoptions}
    )
    return f"{seats}, {hosted}"
