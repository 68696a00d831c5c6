"""Plan and billing pages on a tenant's host (administrators only), and the Stripe webhook."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tenants.access import MANAGE_ROLES, member_required
from tenants.forms import exception_text

from . import selectors, services
from .forms import PlanChoiceForm

logger = logging.getLogger(__name__)


@member_required(roles=MANAGE_ROLES)
def overview(request):
    return render(
        request,
        "billing/overview.html",
        {"overview": selectors.billing_overview(request.tenant)},
    )


@member_required(roles=MANAGE_ROLES)
@require_POST
def checkout(request):
    form = PlanChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the plans offered."))
        return redirect("billing_overview")
    success = request.build_absolute_uri(reverse("billing_success"))
    try:
        url = services.checkout_start(
            actor=request.user,
            tenant=request.tenant,
            plan=form.cleaned_data["plan"],
            interval=form.cleaned_data["interval"],
            # Stripe fills in the placeholder; the page only says "processing".
            success_url=f"{success}?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=request.build_absolute_uri(reverse("billing_overview")),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exception_text(exc))
        return redirect("billing_overview")
    return HttpResponseRedirect(url, status=303)


@member_required(roles=MANAGE_ROLES)
@require_POST
def portal(request):
    try:
        url = services.portal_start(
            actor=request.user,
            tenant=request.tenant,
            return_url=request.build_absolute_uri(reverse("billing_overview")),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exception_text(exc))
        return redirect("billing_overview")
    return HttpResponseRedirect(url, status=303)


@member_required(roles=MANAGE_ROLES)
def success(request):
    """Back from Checkout. The plan changes when Stripe's webhook says so, not here."""
    return render(
        request,
        "billing/success.html",
        {"overview": selectors.billing_overview(request.tenant)},
    )


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """POST /billing/stripe/webhook/ on the platform host."""
    try:
        outcome = services.webhook_handle(
            payload=request.body,
            signature=request.headers.get("Stripe-Signature"),
        )
    except services.WebhookRejected as exc:
        logger.warning("Stripe webhook rejected: %s", exc)
        return HttpResponse(status=400)
    except Exception:
        # The event's record rolled back with the handler; Stripe will retry.
        logger.exception("Stripe webhook handler failed")
        return HttpResponse(status=500)
    return HttpResponse(outcome, content_type="text/plain")
