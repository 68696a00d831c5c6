"""Billing state per tenant (public schema), mirrored from Stripe by the webhook."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant, User

from .plans import PLAN_CHOICES


class Subscription(models.Model):
    """A tenant's plan. Changed only by the Stripe webhook and by operators' grants."""

    class Status(models.TextChoices):
        NONE = "", _("No subscription")
        INCOMPLETE = "incomplete", _("Incomplete")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete, expired")
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment overdue")
        UNPAID = "unpaid", _("Unpaid")
        CANCELED = "canceled", _("Canceled")
        PAUSED = "paused", _("Paused")

    # Stripe statuses in which the paid plan applies in full.
    PAID_STATUSES = frozenset({Status.ACTIVE, Status.TRIALING})
    # A payment failed: the paid plan lasts until grace_until, then free limits.
    DUNNING_STATUSES = frozenset({Status.PAST_DUE, Status.UNPAID})
    # Still a subscription (Stripe may yet collect); a second one must not be sold.
    LIVE_STATUSES = PAID_STATUSES | DUNNING_STATUSES

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.CharField(
        _("plan subscribed"), max_length=30, choices=PLAN_CHOICES, default="free"
    )
    interval = models.CharField(_("billed"), max_length=10, blank=True)
    status = models.CharField(
        _("Stripe status"), max_length=30, choices=Status.choices, blank=True
    )
    stripe_customer_id = models.CharField(
        _("Stripe customer"), max_length=255, blank=True
    )
    stripe_subscription_id = models.CharField(
        _("Stripe subscription"), max_length=255, blank=True
    )
    current_period_end = models.DateTimeField(
        _("current period ends"), null=True, blank=True
    )
    cancel_at_period_end = models.BooleanField(
        _("cancels at period end"), default=False
    )
    grace_until = models.DateTimeField(
        _("grace period ends"),
        null=True,
        blank=True,
        help_text=_(
            "After a failed payment the paid plan's limits last until then; "
            "afterwards the free plan's limits apply. Nothing is ever deleted."
        ),
    )
    complimentary_plan = models.CharField(
        _("complimentary plan"),
        max_length=30,
        choices=PLAN_CHOICES,
        blank=True,
        help_text=_("Granted by the platform team; applies whatever Stripe says."),
    )
    complimentary_note = models.CharField(
        _("reason for the complimentary plan"), max_length=300, blank=True
    )
    complimentary_granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    complimentary_granted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["tenant__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_customer_id"],
                condition=~models.Q(stripe_customer_id=""),
                name="billing_subscription_one_tenant_per_customer",
            ),
        ]
        indexes = [
            models.Index(
                fields=["stripe_subscription_id"],
                name="billing_subscription_stripe_id",
            ),
        ]

    def __str__(self):
        return f"{self.tenant} ({self.plan}, {self.status or '-'})"


class StripeEvent(models.Model):
    """One Stripe webhook event, recorded in the transaction that applied it.

    The unique event id is what makes each event take effect exactly once.
    """

    event_id = models.CharField(_("event"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    # Stripe's id of the object the event is about (cs_…, sub_…, in_…).
    object_id = models.CharField(_("object"), max_length=255, blank=True)
    livemode = models.BooleanField(default=False)
    created = models.DateTimeField(_("created at Stripe"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # What the event did here, for operators reading the log.
    summary = models.CharField(_("outcome"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"
