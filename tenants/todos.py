"""The to-do list of the member (or platform operator) making a request, the
header's counter, and the getting-started steps with their skips.

Items come from every source (core/todo.py explains the contract): the
kernel's own below, the platform services' `todo_items` hook
(tenants/hooks.py) and the `todos` of each hosted app switched on in the
tenant (tenants/hosted.py). Nothing is stored: every item is derived from the
live tables, so it goes away once the thing is done.

The header shows the count on every page, so it is cached per member and
tenant for `CACHE_SECONDS`, under the generations of the schemas the items
are read from (core/pagecache.py): any committed write to the tenant's schema
or to the public schema makes the next page count again. A cached page costs
one round trip to the cache.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import pagecache
from core.todo import NORMAL, SETUP, TodoItem, gather, total

from . import hooks, hosted
from .access import VERIFY_PERMISSION, is_operator, request_membership
from .models import Invitation, SetupStepSkip, Tenant

# How long the header's count may be kept at most (writes invalidate it sooner).
CACHE_SECONDS = 300
_KEY = "todo:{tenant}:{user}"


# --- getting started ------------------------------------------------------------------


def _kernel_steps(request) -> list:
    tenant = request.tenant
    counts = Tenant.objects.filter(pk=tenant.pk).aggregate(
        members=Count("memberships", distinct=True),
        invited=Count(
            "invitations",
            filter=Q(invitations__status=Invitation.Status.PENDING),
            distinct=True,
        ),
    )
    steps = [
        hosted.SetupStep(
            key="invite",
            label=_("Invite your staff"),
            url="/dashboard/members/invite/",
            done=counts["members"] > 1 or counts["invited"] > 0,
        )
    ]
    for contributed in hooks.run("setup_steps", request):
        steps.extend(contributed)
    steps.append(
        hosted.SetupStep(
            key="profile",
            label=_("Complete the organisation's profile"),
            url="/dashboard/profile/",
            done=not tenant.profile_missing,
        )
    )
    return steps


def setup_groups(request, *, only: str | None = None) -> list[dict]:
    """The getting-started steps of the tenant, by group: the organisation's own
    (scope "", with the platform services') and one per hosted app switched on
    that declares steps. Each step as {"step", "skipped", "open"}. `only`: one
    group's scope."""
    if only is None and hasattr(request, "_setup_groups"):
        return request._setup_groups  # the to-do list and the checklist share them
    skipped = set(
        SetupStepSkip.objects.filter(tenant=request.tenant).values_list("scope", "step")
    )
    groups = []
    if only in (None, ""):
        groups.append(
            {
                "scope": "",
                "app": None,
                "label": _("Your organisation"),
                "steps": _kernel_steps(request),
            }
        )
    for app in hosted.enabled_apps(request):
        if app.setup_steps is None or only not in (None, app.key):
            continue
        groups.append(
            {
                "scope": app.key,
                "app": app,
                "label": app.label,
                "steps": list(app.setup_steps(request)),
            }
        )
    for group in groups:
        group["steps"] = [
            {
                "step": step,
                "skipped": (group["scope"], step.key) in skipped and not step.done,
                "open": not step.done and (group["scope"], step.key) not in skipped,
            }
            for step in group["steps"]
        ]
        group["open"] = sum(1 for row in group["steps"] if row["open"])
    if only is None:
        request._setup_groups = groups
    return groups


def may_set_up(request) -> bool:
    """Getting started is the administrators' checklist: staff never see it."""
    membership = request_membership(request)
    return membership is not None and membership.is_admin


# --- the kernel's own to-do items ---------------------------------------------------------


def _setup_todos(request):
    if not may_set_up(request):
        return
    for group in setup_groups(request):
        for row in group["steps"]:
            if row["open"]:
                step = row["step"]
                yield TodoItem(
                    kind=f"setup.{group['scope'] or 'org'}.{step.key}",
                    label=step.label,
                    url=step.url,
                    priority=SETUP,
                    group=_("Getting started"),
                )


def _invitation_todos(request):
    if not may_set_up(request):
        return
    found = Invitation.objects.filter(
        tenant=request.tenant, status=Invitation.Status.PENDING
    ).aggregate(n=Count("pk"), first=Min("expires_at"))
    count = found["n"]
    if not count:
        return
    yield TodoItem(
        kind="kernel.invitations",
        label=ngettext(
            "An invitation is not accepted yet: send it again or withdraw it",
            "Invitations not accepted yet: send them again or withdraw them",
            count,
        ),
        url="/dashboard/members/#invitations",
        count=count,
        due=timezone.localdate(found["first"]),
        priority=NORMAL + 10,
    )


def _operator_todos(request):
    """Platform operators, on the platform host: the verification desk."""
    if not is_operator(request.user, VERIFY_PERMISSION):
        return
    from .selectors import pending_verification_count

    yield TodoItem(
        kind="kernel.verification",
        label=_("Organisations wait for verification"),
        url="/operator/verification/",
        count=pending_verification_count(),
    )


def _hosted_todos(request):
    for app in hosted.enabled_apps(request):
        if app.todos is not None:
            for item in app.todos(request) or ():
                yield item if item.group else _with_group(item, app.label)
        elif app.tiles is not None:
            # Apps declared before `todos` existed: their Tile(todo=True) rows.
            for n, tile in enumerate(t for t in app.tiles(request) if t.todo):
                yield TodoItem(
                    kind=f"{app.key}.tile.{n}",
                    label=tile.label,
                    url=tile.url,
                    count=tile.count,
                    group=app.label,
                )


def _with_group(item: TodoItem, group) -> TodoItem:
    from dataclasses import replace

    return replace(item, group=group)


def _hook_todos(request):
    for items in hooks.run("todo_items", request):
        yield from items or ()


def todo_items(request) -> list[TodoItem]:
    """Everything the requesting member (or operator) has to do, most pressing
    first; computed once per request."""
    if hasattr(request, "_todo_items"):
        return request._todo_items
    items: list[TodoItem] = []
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    if user is not None and user.is_authenticated and tenant is not None:
        if tenant.is_platform:
            items = gather([_operator_todos, _hook_todos], request)
        elif request_membership(request) is not None:
            items = gather(
                [_hosted_todos, _hook_todos, _invitation_todos, _setup_todos], request
            )
    request._todo_items = items
    _remember(request, total(items))
    return items


# --- the header's counter -------------------------------------------------------------


def _schemas(tenant) -> list[str]:
    if tenant.is_platform:
        return [pagecache.PUBLIC]
    return [pagecache.PUBLIC, tenant.schema_name]


def _key(request) -> str:
    return _KEY.format(tenant=request.tenant.pk, user=request.user.pk)


def _remember(request, count: int) -> None:
    generations = getattr(request, "_todo_generations", None)
    if generations is None or not getattr(request.user, "is_authenticated", False):
        return
    try:
        cache.set(_key(request), (generations, count), CACHE_SECONDS)
    except Exception:  # noqa: BLE001 -- a cache outage only costs the next count
        pass


def todo_count(request) -> int | None:
    """How many things wait for the requesting member (None for visitors and
    outsiders): from the cache when nothing was written since it was counted."""
    if hasattr(request, "_todo_count"):
        return request._todo_count
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    count = None
    if user is not None and user.is_authenticated and tenant is not None:
        if tenant.is_platform or request_membership(request) is not None:
            count = _cached_count(request)
    request._todo_count = count
    return count


def _cached_count(request) -> int:
    schemas = _schemas(request.tenant)
    generation_keys = [pagecache.GENERATION_PREFIX + s for s in schemas]
    key = _key(request)
    try:
        found = cache.get_many([key, *generation_keys])
    except Exception:  # noqa: BLE001
        found = {}
    if all(k in found for k in generation_keys):
        generations = tuple(str(found[k]) for k in generation_keys)
    else:
        try:
            generations = tuple(pagecache.generations(schemas))
        except Exception:  # noqa: BLE001 -- without the cache, count every time
            return total(todo_items(request))
    kept = found.get(key)
    if kept is not None and kept[0] == generations:
        return kept[1]
    # Generations read before counting: a write committed meanwhile recounts.
    request._todo_generations = generations
    if hasattr(request, "_todo_items"):
        _remember(request, total(request._todo_items))
        return total(request._todo_items)
    return total(todo_items(request))
