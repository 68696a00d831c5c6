"""Where the platform services (catalog, billing) plug into the kernel.

The kernel imports neither. Each registers, in its AppConfig.ready(), the
functions the kernel calls at these points; with nothing registered the
kernel works alone (no plan limits, no catalog):

- `tenant_provisioned(tenant)`: inside provisioning's transaction (billing
  creates the tenant's subscription row);
- `tenant_status_changed(tenant)`: suspended or enabled again (the catalog
  recounts who uses its apps);
- `tenant_deleting(tenant)`: inside the deletion's transaction, before the
  schema is dropped (the catalog purges the tenant's entries);
- `seat_check(tenant, user)`: before a membership is added; raises
  ValidationError(code=LIMIT_CODE) when the plan is full;
- `hosted_activation_check(tenant, label, count_used)`: before a tenant takes
  on one more hosted app; `count_used()` is called after the check has locked
  what it needs, so two activations cannot both take the last place;
- `dashboard_panel(request)`: a (template name, context) box on the dashboard;
- `setup_steps(request)`: lines of the getting-started list;
- `todo_items(request)`: the to-do items (core/todo.py TodoItem) of the member
  or platform operator making the request, only what they may act on (on the
  platform host `request.tenant` is the platform);
- `demo(context)`: demo data, before the hosted apps' own (seed_demo);
- `hosted_app_off(request, app)`: the response (status 404) under a hosted
  app's paths in a tenant where it is not switched on; None for the plain 404.

Hooks run in registration order (INSTALLED_APPS order).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.core.exceptions import ValidationError

# The code of a ValidationError that says "your plan does not allow this", so a
# page can offer the upgrade link without knowing who raised it.
LIMIT_CODE = "plan_limit"

POINTS = (
    "tenant_provisioned",
    "tenant_status_changed",
    "tenant_deleting",
    "seat_check",
    "hosted_activation_check",
    "dashboard_panel",
    "setup_steps",
    "todo_items",
    "demo",
    "hosted_app_off",
)

_HOOKS: dict[str, list[Callable]] = defaultdict(list)


def register(point: str, func: Callable) -> Callable:
    if point not in POINTS:
        raise ValueError(f"no hook point {point!r}; one of {POINTS}")
    if func not in _HOOKS[point]:
        _HOOKS[point].append(func)
    return func


def unregister(point: str, func: Callable) -> None:
    if func in _HOOKS[point]:
        _HOOKS[point].remove(func)


def registered(point: str) -> tuple[Callable, ...]:
    return tuple(_HOOKS[point])


def run(point: str, *args, **kwargs) -> list:
    """Call every function registered at `point`; their results, in order."""
    return [func(*args, **kwargs) for func in _HOOKS[point]]


def is_limit(exc: ValidationError) -> bool:
    """Was this refusal a plan limit (so the page can offer the upgrade link)?"""
    return any(getattr(error, "code", None) == LIMIT_CODE for error in exc.error_list)
