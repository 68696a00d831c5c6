"""What the catalog adds to a tenant's dashboard and to the demo (kernel hooks)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.todo import NORMAL, URGENT, TodoItem
from tenants.access import is_operator, request_membership
from tenants.hosted import DemoContext, SetupStep
from tenants.hosts import platform_url

from . import selectors
from .models import Adoption


def setup_steps(request) -> list[SetupStep]:
    """ "Adopt an app": any request or adoption in progress counts as a start."""
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


def _agreements_awaiting(request) -> tuple:
    """Agreements this tenant is asked to confirm, read once per request (the
    dashboard's panel and its to-do list both show them)."""
    if not hasattr(request, "_agreements_awaiting"):
        request._agreements_awaiting = tuple(
            selectors.agreements_awaiting(request.tenant)
        )
    return request._agreements_awaiting


def agreements_panel(request) -> dict | None:
    """Agreements another organisation recorded, for this tenant's admins to confirm."""
    membership = request_membership(request)
    if membership is None or not membership.is_admin:
        return None
    awaiting = _agreements_awaiting(request)
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


def todo_items(request) -> list[TodoItem]:
    """The catalog's to-do items (kernel hook `todo_items`): for a tenant's
    administrators (only they decide, catalog/access.py), adoption requests to
    decide as publisher, agreements to confirm, approved adoptions to switch on,
    repository checks that failed; for platform operators, failed checks."""
    tenant = request.tenant
    if tenant.is_platform:
        return _operator_items(request)
    membership = request_membership(request)
    if membership is None or not membership.is_admin:
        return []
    group = _("Apps and agreements")
    items = []
    adoptions = list(
        Adoption.objects.filter(
            Q(status=Adoption.Status.REQUESTED, app__publisher=tenant)
            | Q(status=Adoption.Status.APPROVED, adopter=tenant)
        )
        .select_related("app", "adopter", "agreement")
        .order_by("requested_at", "pk")[:100]
    )
    requests = [a for a in adoptions if a.status == Adoption.Status.REQUESTED]
    if requests:
        items.append(
            TodoItem(
                kind="catalog.adoption_requests",
                label=(
                    _("%(tenant)s asks to adopt %(app)s: approve or reject")
                    % {
                        "tenant": requests[0].adopter.name,
                        "app": requests[0].app.name,
                    }
                    if len(requests) == 1
                    else _("Organisations ask to adopt your apps: approve or reject")
                ),
                url=f"/apps/adoptions/{requests[0].pk}/"
                if len(requests) == 1
                else "/apps/#incoming",
                count=len(requests),
                group=group,
            )
        )
    awaiting = list(_agreements_awaiting(request)[:100])
    if awaiting:
        items.append(
            TodoItem(
                kind="catalog.agreements",
                label=(
                    _("Confirm or decline the agreement %(number)s with %(party)s")
                    % {
                        "number": awaiting[0].number,
                        "party": awaiting[0].first_party
                        if awaiting[0].second_party_id == tenant.pk
                        else awaiting[0].second_party,
                    }
                    if len(awaiting) == 1
                    else _("Agreements wait for your confirmation")
                ),
                url=f"/apps/agreements/{awaiting[0].pk}/"
                if len(awaiting) == 1
                else "/apps/agreements/",
                count=len(awaiting),
                group=group,
            )
        )
    for adoption in adoptions:
        if (
            adoption.status != Adoption.Status.APPROVED
            or adoption.adopter_id != tenant.pk
        ):
            continue
        if adoption.agreement is None or not adoption.agreement.is_binding:
            continue  # the agreement is confirmed first (item above, or theirs)
        items.append(
            TodoItem(
                kind=f"catalog.activate.{adoption.pk}",
                label=_("%(app)s was approved: switch it on now")
                % {"app": adoption.app.name},
                url=f"/apps/adoptions/{adoption.pk}/#activate",
                group=group,
            )
        )
    failures = harvest_failure_count(tenant)
    if failures:
        items.append(
            TodoItem(
                kind="catalog.harvest",
                label=ngettext(
                    "The publiccode.yml of an app you publish could not be read",
                    "The publiccode.yml of apps you publish could not be read",
                    failures,
                ),
                url="/apps/#published",
                count=failures,
                priority=URGENT,
                group=group,
            )
        )
    return items


HARVEST_VIEW_PERMISSION = "catalog.view_repositorylink"


def _operator_items(request) -> list[TodoItem]:
    if not is_operator(request.user, HARVEST_VIEW_PERMISSION):
        return []
    from .harvest import failed_links

    failures = failed_links().count()
    return [
        TodoItem(
            kind="catalog.harvest_all",
            label=_(
                "Repository checks failed: see which publiccode.yml could not be read"
            ),
            url="/admin/catalog/repositorylink/?last_run__outcome__exact=failed",
            count=failures,
            priority=NORMAL + 10,
        )
    ]


def harvest_failure_count(tenant) -> int:
    from .harvest import harvest_failures

    return harvest_failures(tenant).count()


def seed_demo(context: DemoContext) -> str:
    from .demo import seed_catalog

    counts = seed_catalog(operator=context.operator)
    return f"{counts['apps']} catalog apps, {counts['adoptions']} active adoptions"
