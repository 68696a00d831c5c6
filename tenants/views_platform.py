"""Views on the platform host (BASE_DOMAIN)."""

from __future__ import annotations

from allauth.account.decorators import verified_email_required
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import set_urlconf
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.pagecache import public_page
from core.todo import grouped

from . import selectors, services, todos
from .forms import OrganisationCreateForm, add_service_errors
from .hosts import platform_url, tenant_url


@public_page
def landing(request):
    return render(
        request, "platform/landing.html", {"stats": selectors.platform_stats()}
    )


@public_page
def directory(request):
    paginator = Paginator(
        selectors.tenant_directory(query=request.GET.get("q", "")), 30
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "platform/directory.html",
        {"page": page, "query": selectors.clean_param(request.GET.get("q", ""))},
    )


@login_required
def my_organisations(request):
    """The signed-in user's organisations; for platform operators, their to-do
    list too (the verification desk and what the platform services add)."""
    items = todos.todo_items(request)
    return render(
        request,
        "platform/my_organisations.html",
        {
            "memberships": selectors.memberships_of(request.user),
            "todo_groups": grouped(items) if items else None,
            "today": timezone.localdate(),
        },
    )


@verified_email_required
def organisation_create(request):
    form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant = services.tenant_provision(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            # e.g. lost a race for the subdomain: same form, input kept.
            add_service_errors(form, exc)
        else:
            token = services.handoff_create(
                user=request.user, tenant=tenant, next_path="/dashboard/?welcome=1"
            )
            return redirect(
                tenant_url(tenant, f"/auth/handoff/?token={token}", request)
            )
    return render(request, "platform/organisation_create.html", {"form": form})


@login_required
@require_POST
def organisation_go(request, slug):
    """Sign the user in on one of their tenants' hosts and send them there."""
    membership = selectors.membership_by_slug(request.user, slug)
    if membership is None:
        raise Http404(_("You are not a member of this organisation."))
    token = services.handoff_create(
        user=request.user,
        tenant=membership.tenant,
        next_path=request.POST.get("next", "/dashboard/"),
    )
    return redirect(
        tenant_url(membership.tenant, f"/auth/handoff/?token={token}", request)
    )


def unknown_host(request):
    """Any host that is neither the platform nor a tenant."""
    # No tenant matched, so no URLconf was chosen; links on this page are the platform's.
    set_urlconf(settings.PUBLIC_SCHEMA_URLCONF)
    request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
    return render(
        request,
        "platform/unknown_host.html",
        {
            "host": request.get_host().split(":")[0][:253],
            "platform_url": platform_url("/", request),
        },
        status=404,
    )
