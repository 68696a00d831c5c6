"""What the catalog adds to a tenant's dashboard and to the demo (kernel hooks)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from tenants.access import request_membership
from tenants.hosted import DemoContext, SetupStep
from tenants.hosts import platform_url

from . import selectors
from .models import Adoption


def setup_steps(request) -> list[SetupStep]:
    """"Adopt an app": any request or adoption in progress counts as a start."""
    started = Adoption.objects.filter(
        Q(status__in=Adoption.LIVE_STATUSES), adopter=request.tenant
    ).exists()
    return [
        SetupStep(
            key="adopt",
            label=_("Adopt an app from the catalog"),
            url=platform_url("/catalog/", request),
            done=started,
        )
    ]


def agreements_panel(request) -> dict | None:
    """Agreements another organisation recorded, for this tenant's admins to confirm."""
    membership = request_membership(request)
    if membership is None or not membership.is_admin:
        return None
    awaiting = tuple(selectors.agreements_awaiting(request.tenant))
    if not awaiting:
        return None
    return {
        "template": "catalog/tenant/dashboard_agreements.html",
        "context": {"agreements_to_confirm": awaiting},
        "top": True,
    }


def apps_panel(request) -> dict:
    """The apps the tenant runs: its active adoptions and the hosted apps it publishes."""
    return {
        "template": "catalog/tenant/dashboard_apps.html",
        "context": {"apps_in_use": selectors.apps_in_use(request.tenant)},
        "top": False,
    }


def seed_demo(context: DemoContext) -> str:
    from .demo import seed_catalog

    counts = seed_catalog(operator=context.operator)
    return f"{counts['apps']} catalog apps, {counts['adoptions']} active adoptions"
