"""Every write to billing state: checkout, the customer portal, webhooks, operators' grants.

A tenant's plan follows Stripe's state only as the signed webhook reports it;
the pages that send an administrator to Stripe change nothing by themselves.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.access import access_operator
from tenants.models import PlatformEvent, Tenant, User
from tenants.transparency import platform_event_append

from . import gateway, plans
from .access import access_billing
from .entitlements import billing_enabled
from .models import StripeEvent, Subscription
from .webhooks import check_not_from_the_future, webhook_shape_problem

logger = logging.getLogger(__name__)


# --- the row every tenant has --------------------------------------------------


def subscription_ensure(*, tenant: Tenant) -> Subscription:
    """The tenant's billing row (free plan until Stripe says otherwise). Idempotent."""
    subscription, _created = Subscription.objects.get_or_create(tenant=tenant)
    return subscription


def _locked(tenant: Tenant) -> Subscription:
    subscription_ensure(tenant=tenant)
    return Subscription.objects.select_for_update().get(tenant=tenant)


def _stripe_unavailable(exc: Exception) -> ValidationError:
    logger.exception("Stripe request failed", exc_info=exc)
    return ValidationError(
        _(
            "Stripe could not be reached just now. Nothing was changed; please try again."
        )
    )


# --- subscribe and manage ---------------------------------------------------------


def _customer_ensure(
    client: stripe.StripeClient, *, actor: User, tenant: Tenant
) -> str:
    """The tenant's Stripe Customer id, created once and reused ever after."""
    with transaction.atomic():
        subscription = _locked(tenant)
        if (
            subscription.status in Subscription.LIVE_STATUSES
            and subscription.stripe_subscription_id
        ):
            raise ValidationError(
                _(
                    "%(tenant)s already has a subscription. Change or cancel it with "
                    "“Manage billing”."
                )
                % {"tenant": tenant}
            )
        if subscription.stripe_customer_id:
            return subscription.stripe_customer_id
        # Created while the row is locked, so two clicks cannot make two customers.
        customer = client.v1.customers.create(
            params={
                "name": tenant.name,
                "email": actor.email,
                "metadata": {"tenant_id": str(tenant.pk), "tenant_slug": tenant.slug},
            }
        )
        subscription.stripe_customer_id = customer.id
        subscription.save(update_fields=["stripe_customer_id", "updated_at"])
    return customer.id


def checkout_start(
    *,
    actor: User,
    tenant: Tenant,
    plan: str,
    interval: str,
    success_url: str,
    cancel_url: str,
) -> str:
    """Create a Checkout Session (subscription mode) and return the URL to send the admin to.

    `success_url` may contain Stripe's {CHECKOUT_SESSION_ID} placeholder.
    """
    access_billing(actor, tenant)
    chosen = plans.get(plan)
    if chosen is None or not chosen.is_paid or interval not in chosen.price_settings:
        raise ValidationError(_("Choose one of the plans offered."))
    price_id = chosen.price_id(interval)
    if not price_id:
        logger.error("no Stripe price configured for %s/%s", plan, interval)
        raise ValidationError(
            _("This plan cannot be bought yet; please contact the platform team.")
        )
    client = gateway.stripe_client()
    reference = {"tenant_id": str(tenant.pk), "plan": chosen.key}
    try:
        customer_id = _customer_ensure(client, actor=actor, tenant=tenant)
        session = client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "customer": customer_id,
                "client_reference_id": str(tenant.pk),
                "line_items": [{"price": price_id, "quantity": 1}],
                "success_url": success_url,
                "cancel_url": cancel_url,
                "metadata": reference,
                "subscription_data": {"metadata": reference},
            }
        )
    except stripe.StripeError as exc:
        raise _stripe_unavailable(exc) from exc
    logger.info(
        "checkout %s started for %s (%s/%s) by %s",
        session.id,
        tenant.slug,
        plan,
        interval,
        actor.email,
    )
    return session.url


def portal_start(*, actor: User, tenant: Tenant, return_url: str) -> str:
    """A Stripe Customer Portal session for the tenant; returns its URL."""
    access_billing(actor, tenant)
    customer_id = (
        Subscription.objects.filter(tenant=tenant)
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    if not customer_id:
        raise ValidationError(
            _("%(tenant)s has no billing account yet. Choose a plan first.")
            % {"tenant": tenant}
        )
    try:
        session = gateway.stripe_client().v1.billing_portal.sessions.create(
            params={"customer": customer_id, "return_url": return_url}
        )
    except stripe.StripeError as exc:
        raise _stripe_unavailable(exc) from exc
    return session.url


# --- operators ------------------------------------------------------------------------


def complimentary_grant(
    *, actor: User, tenant: Tenant, plan: str, note: str = "", reason: str = ""
) -> Subscription:
    """Give `tenant` a plan free of charge (plan="" takes the grant back).

    Written to the platform's transparency log (PLAN_GRANTED, the plan in its
    details) in the same transaction; `note` is the operators' own and stays
    private, `reason` is published. Setting the plan it already has writes nothing.
    """
    access_operator(actor, "billing.change_subscription")
    if plan and plans.get(plan) is None:
        raise ValidationError({"complimentary_plan": [_("Choose a valid plan.")]})
    note = note.strip()[:300] if plan else ""
    with transaction.atomic():
        subscription = _locked(tenant)
        if (
            subscription.complimentary_plan == plan
            and subscription.complimentary_note == note
        ):
            return subscription
        previous = subscription.complimentary_plan
        subscription.complimentary_plan = plan
        subscription.complimentary_note = note
        subscription.complimentary_granted_by = actor if plan else None
        subscription.complimentary_granted_at = timezone.now() if plan else None
        subscription.save()
        platform_event_append(
            kind=PlatformEvent.Kind.PLAN_GRANTED,
            actor=actor,
            tenant=tenant,
            reason=" ".join(reason.split()),
            details={"plan": plan, "previous_plan": previous},
            private={"note": note} if note else None,
        )
    logger.info(
        "complimentary plan of %s set to %r by %s", tenant.slug, plan, actor.email
    )
    return subscription


# --- webhooks ---------------------------------------------------------------------------


class WebhookRejected(Exception):
    """The delivery is not a genuine, fresh Stripe event: answer 400, change nothing."""


def _id(value) -> str:
    """An id from a field Stripe sends either as an id or as an expanded object."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def _timestamp(value) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def _record_for(
    *, customer_id: str, subscription_id: str, tenant_ref: str
) -> Subscription | None:
    """The billing row an event is about, locked; None when it is not ours.

    The customer id is the surest link (it was stored when checkout started);
    the tenant id we put in metadata and client_reference_id is the fallback.
    """
    rows = Subscription.objects.select_for_update()
    if customer_id:
        found = rows.filter(stripe_customer_id=customer_id).first()
        if found is not None:
            return found
    if subscription_id:
        found = rows.filter(stripe_subscription_id=subscription_id).first()
        if found is not None:
            return found
    if tenant_ref and tenant_ref.isdigit():
        tenant = Tenant.objects.filter(pk=int(tenant_ref)).first()
        if tenant is not None and not tenant.is_platform:
            found = _locked(tenant)
            if (
                customer_id
                and found.stripe_customer_id
                and found.stripe_customer_id != customer_id
            ):
                logger.warning(
                    "Stripe customer %s names tenant %s, which has customer %s",
                    customer_id,
                    tenant.pk,
                    found.stripe_customer_id,
                )
                return None
            return found
    return None


def _subscription_fresh(client: stripe.StripeClient, subscription_id: str) -> dict:
    """Stripe's current state of a subscription.

    Events can arrive late, twice or out of order; what the subscription is now
    does not depend on which event happens to be processed last.
    """
    return client.v1.subscriptions.retrieve(subscription_id).to_dict()


def _apply_subscription(record: Subscription, stripe_sub: dict, *, at: datetime) -> str:
    """Mirror a Stripe subscription onto the tenant's row; returns what changed."""
    sub_id = stripe_sub["id"]
    status = stripe_sub.get("status") or ""
    if (
        record.stripe_subscription_id
        and record.stripe_subscription_id != sub_id
        and record.status in Subscription.LIVE_STATUSES
        and status not in Subscription.LIVE_STATUSES
    ):
        # A late event about an older subscription must not end the current one.
        return _("ignored: %(old)s is not the current subscription %(current)s") % {
            "old": sub_id,
            "current": record.stripe_subscription_id,
        }
    items = (stripe_sub.get("items") or {}).get("data") or []
    first_item = items[0] if items else {}
    price_id = _id(first_item.get("price"))
    bought = plans.plan_for_price(price_id)
    if bought is not None:
        record.plan, record.interval = bought[0].key, bought[1]
    else:
        metadata_plan = (stripe_sub.get("metadata") or {}).get("plan", "")
        logger.warning(
            "subscription %s has price %r that no plan sells", sub_id, price_id
        )
        if plans.get(metadata_plan):
            record.plan = metadata_plan
    record.stripe_subscription_id = sub_id
    record.stripe_customer_id = record.stripe_customer_id or _id(
        stripe_sub.get("customer")
    )
    record.status = status
    # Newer API versions keep the billing period on each item.
    record.current_period_end = _timestamp(
        first_item.get("current_period_end") or stripe_sub.get("current_period_end")
    )
    record.cancel_at_period_end = bool(stripe_sub.get("cancel_at_period_end"))
    if status in Subscription.DUNNING_STATUSES:
        if record.grace_until is None:
            record.grace_until = at + timedelta(days=settings.BILLING_GRACE_DAYS)
    else:
        record.grace_until = None
    record.save()
    summary = f"{sub_id}: {status or '-'}, plan {record.plan}"
    if record.grace_until:
        summary += f", grace until {record.grace_until:%Y-%m-%d}"
    return summary


def _on_checkout_completed(client, session: dict, at: datetime):
    if session.get("mode") != "subscription":
        return None, _("ignored: not a subscription checkout")
    customer_id = _id(session.get("customer"))
    subscription_id = _id(session.get("subscription"))
    record = _record_for(
        customer_id=customer_id,
        subscription_id=subscription_id,
        tenant_ref=session.get("client_reference_id")
        or (session.get("metadata") or {}).get("tenant_id", ""),
    )
    if record is None:
        return None, _("ignored: no tenant for this checkout")
    if not subscription_id:
        return record, _("ignored: the checkout has no subscription")
    if not record.stripe_customer_id and customer_id:
        record.stripe_customer_id = customer_id
    return record, _apply_subscription(
        record, _subscription_fresh(client, subscription_id), at=at
    )


def _on_subscription_event(client, stripe_sub: dict, at: datetime, *, final: bool):
    record = _record_for(
        customer_id=_id(stripe_sub.get("customer")),
        subscription_id=stripe_sub.get("id", ""),
        tenant_ref=(stripe_sub.get("metadata") or {}).get("tenant_id", ""),
    )
    if record is None:
        return None, _("ignored: no tenant for this subscription")
    # A deleted subscription never comes back: the event's own copy is final.
    current = stripe_sub if final else _subscription_fresh(client, stripe_sub["id"])
    return record, _apply_subscription(record, current, at=at)


def _on_subscription_changed(client, stripe_sub, at):
    return _on_subscription_event(client, stripe_sub, at, final=False)


def _on_subscription_deleted(client, stripe_sub, at):
    return _on_subscription_event(client, stripe_sub, at, final=True)


def _invoice_subscription(invoice: dict) -> tuple[str, dict]:
    """The subscription an invoice bills, and its metadata (older and newer API shapes)."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription_id = _id(invoice.get("subscription")) or _id(
        details.get("subscription")
    )
    return subscription_id, details.get("metadata") or {}


def _on_invoice(client, invoice: dict, at: datetime):
    subscription_id, metadata = _invoice_subscription(invoice)
    if not subscription_id:
        return None, _("ignored: not a subscription invoice")
    record = _record_for(
        customer_id=_id(invoice.get("customer")),
        subscription_id=subscription_id,
        tenant_ref=metadata.get("tenant_id", ""),
    )
    if record is None:
        return None, _("ignored: no tenant for this invoice")
    # A failed payment makes the subscription past_due, which starts the grace
    # period; a later payment makes it active again, which ends it. Asking Stripe
    # keeps a late "failed" from undoing an earlier "paid".
    return record, _apply_subscription(
        record, _subscription_fresh(client, subscription_id), at=at
    )


HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription_changed,
    "customer.subscription.updated": _on_subscription_changed,
    "customer.subscription.deleted": _on_subscription_deleted,
    "invoice.paid": _on_invoice,
    "invoice.payment_failed": _on_invoice,
}


def webhook_handle(*, payload: bytes, signature: str | None) -> str:
    """Verify and apply one webhook delivery exactly once.

    Returns "processed", "duplicate" (already applied: nothing changes) or
    "ignored" (a type we do not handle). Raises WebhookRejected for a missing,
    wrong or stale signature; any other exception means the handler failed,
    its event record rolled back with it, and Stripe's retry will run it again.
    """
    if not billing_enabled():
        raise WebhookRejected("billing is not enabled")
    if not check_not_from_the_future(signature):
        raise WebhookRejected("signature timestamp is in the future")
    client = gateway.stripe_client()
    try:
        event = client.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET
        )
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected(f"signature: {exc.user_message or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected("payload is not a Stripe event") from exc
    data = event.to_dict()
    problem = webhook_shape_problem(data)
    if problem:
        raise WebhookRejected(problem)
    event_id, event_type = data["id"], data["type"]
    stripe_object = data["data"]["object"]
    handler = HANDLERS.get(event_type)
    if handler is None:
        return "ignored"
    at = _timestamp(data.get("created")) or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=event_id,
                    type=event_type,
                    object_id=_id(stripe_object.get("id"))[:255],
                    livemode=bool(data.get("livemode")),
                    created=at,
                )
        except IntegrityError:
            # Delivered before (or right now by a concurrent delivery, which
            # holds the row until it commits or rolls back).
            return "duplicate"
        subscription, summary = handler(client, stripe_object, at)
        record.subscription = subscription
        record.summary = str(summary)[:300]
        record.save(update_fields=["subscription", "summary"])
    logger.info("Stripe event %s (%s): %s", event_id, event_type, summary)
    return "processed"
