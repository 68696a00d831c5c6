"""Operators see each tenant's plan, Stripe ids, status and event log, and grant plans."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .entitlements import billing_enabled, standing_from
from .models import StripeEvent, Subscription
from .plans import PLAN_CHOICES


class StripeEventInline(admin.TabularInline):
    model = StripeEvent
    extra = 0
    fields = ["received_at", "type", "event_id", "object_id", "summary"]
    readonly_fields = fields
    ordering = ["-received_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The event log is written by the webhook only.
        return False


class SubscriptionForm(forms.ModelForm):
    complimentary_plan = forms.ChoiceField(
        label=_("Complimentary plan"),
        choices=[("", _("None — Stripe decides"))] + PLAN_CHOICES,
        required=False,
    )

    class Meta:
        model = Subscription
        fields = ["complimentary_plan", "complimentary_note"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = [
        "tenant",
        "effective_plan",
        "plan",
        "status",
        "stripe_customer_id",
        "stripe_subscription_id",
        "current_period_end",
        "grace_until",
        "complimentary_plan",
        "updated_at",
    ]
    list_filter = ["status", "plan", "complimentary_plan"]
    search_fields = [
        "tenant__name",
        "tenant__slug",
        "stripe_customer_id",
        "stripe_subscription_id",
    ]
    list_select_related = ["tenant"]

    def get_queryset(self, request):
        # A deleted organisation's row stays as a tombstone; its plan is no one's business.
        return super().get_queryset(request).filter(tenant__deleted_at__isnull=True)
    readonly_fields = [
        "tenant",
        "effective_plan",
        "plan",
        "interval",
        "status",
        "stripe_customer_id",
        "stripe_subscription_id",
        "current_period_end",
        "cancel_at_period_end",
        "grace_until",
        "complimentary_granted_by",
        "complimentary_granted_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["tenant", "effective_plan"]}),
        (
            _("Stripe (changed only by its webhook)"),
            {
                "fields": [
                    "plan",
                    "interval",
                    "status",
                    "stripe_customer_id",
                    "stripe_subscription_id",
                    "current_period_end",
                    "cancel_at_period_end",
                    "grace_until",
                ]
            },
        ),
        (
            _("Complimentary plan"),
            {
                "fields": [
                    "complimentary_plan",
                    "complimentary_note",
                    "complimentary_granted_by",
                    "complimentary_granted_at",
                ]
            },
        ),
    ]
    inlines = [StripeEventInline]

    @admin.display(description=_("plan in force"))
    def effective_plan(self, obj):
        if not billing_enabled():
            return _("Unlimited (billing off)")
        standing = standing_from(obj)
        return f"{standing.plan.label} ({standing.state})"

    def has_add_permission(self, request):
        # Every tenant gets its row when it is provisioned.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            services.complimentary_grant(
                actor=request.user,
                tenant=obj.tenant,
                plan=form.cleaned_data["complimentary_plan"],
                note=form.cleaned_data["complimentary_note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(
                request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR
            )


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "type", "subscription", "event_id", "summary"]
    list_filter = ["type", "livemode"]
    search_fields = ["event_id", "object_id", "subscription__tenant__name"]
    list_select_related = ["subscription__tenant"]
    readonly_fields = [f.name for f in StripeEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
