"""The notification log of the signed-in user, on tenant hosts (that tenant's
notifications) and on the platform host (the platform's)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import notifications
from .access import access_notification, request_membership
from .models import Membership

PAGE_SIZE = 30


def _scope(request):
    tenant = getattr(request, "tenant", None)
    return None if tenant is None or tenant.is_platform else tenant


def signed_in(view):
    """Anyone signed in has a log (members, applicants, operators): anonymous
    visitors go to sign in; nobody else is refused — each sees only their own."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


class DeliveryForm(forms.Form):
    email_delivery = forms.ChoiceField(
        label=gettext_lazy("Send me e-mails about this organisation"),
        choices=Membership.Delivery.choices,
        widget=forms.RadioSelect,
    )


@signed_in
def notification_list(request):
    tenant = _scope(request)
    page = Paginator(
        notifications.notifications_for(request.user, tenant), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    membership = request_membership(request) if tenant is not None else None
    form = (
        DeliveryForm(
            initial={"email_delivery": membership.email_delivery},
            auto_id="id_delivery_%s",
        )
        if membership is not None
        else None
    )
    return render(
        request,
        "tenants/notifications.html",
        {
            "page": page,
            "notifications": page.object_list,
            "unread": notifications.unread_count(request.user, tenant),
            "delivery_form": form,
        },
    )


@signed_in
def notification_open(request, notification_id: int):
    """Mark the notification read and go to its page. Only the user's own
    notification on this host; the page's path is taken from the stored link
    and put on the tenant's primary domain as it is now (a tenant restored
    elsewhere, or given another domain, does not send people to the old host)."""
    notification = access_notification(request.user, _scope(request), notification_id)
    notifications.notification_mark_read(actor=request.user, notification=notification)
    parts = urlsplit(notification.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return HttpResponseRedirect(
        notifications.absolute_url(notification.tenant, path or "/")
    )


@require_POST
@signed_in
def notification_read(request, notification_id: int):
    notification = access_notification(request.user, _scope(request), notification_id)
    notifications.notification_mark_read(actor=request.user, notification=notification)
    return redirect("notifications")


@require_POST
@signed_in
def notifications_read_all(request):
    count = notifications.notifications_mark_all_read(
        actor=request.user, tenant=_scope(request)
    )
    if count:
        messages.success(request, _("Every notification is marked as read."))
    return redirect("notifications")


@require_POST
@signed_in
def notification_preferences(request):
    """A member chooses immediate e-mails or a daily digest for this tenant."""
    membership = request_membership(request) if _scope(request) is not None else None
    if membership is None:
        messages.error(
            request, _("Only members of this organisation choose how they get e-mails.")
        )
        return redirect("notifications")
    form = DeliveryForm(request.POST, auto_id="id_delivery_%s")
    if form.is_valid():
        notifications.membership_set_email_delivery(
            actor=request.user,
            membership=membership,
            delivery=form.cleaned_data["email_delivery"],
        )
        messages.success(request, _("Your choice was saved."))
    else:
        messages.error(request, _("Choose one of the options."))
    return redirect("notifications")
