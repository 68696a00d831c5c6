"""The hosted-app contract: how an app that runs inside tenants plugs into the kernel.

A hosted app (Sabilulungan is the `grants` package) declares itself once,
in its own AppConfig.ready():

    from tenants.hosted import HostedApp, HostedRoles, register

    register(HostedApp(key="myapp", label=_("My app"),
                       urls=(("myapp/", "myapp.urls"),), ...))

and the kernel never names it. From that declaration:

- `config/urls_tenant.py` mounts its URLconfs on every tenant host, and the
  gate (tenants.middleware.HostedAppGateMiddleware) answers 404 under its
  path prefixes in a tenant where it is not switched on (the catalog's page
  explains the app and offers to adopt it);
- the menu, the tenant's home page (its public front page), the dashboard
  (tiles, to-do items, set-up steps) and the members page (its roles, which
  live in the app's own tables in the tenant schema) show it where it is on;
- `seed_demo` calls its demo hook, tenant deletion its delete hook, tenant
  export its export hook.

Whether an app is switched on in a tenant is not the kernel's business: the
catalog (adoption active, or the tenant publishes the app) registers that
answer with `register_activation_source`. Without one nothing is switched on.
docs/hosted-apps.md walks through adding an app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.functional import Promise
from django_tenants.utils import tenant_context

from core.todo import TodoItem

Label = str | Promise


@dataclass(frozen=True)
class HostedRoles:
    """The roles a hosted app defines. They live in the app's own table in each
    tenant schema (users by id); the kernel calls these with the connection on
    that tenant's schema, and only lets admins and staff hold them."""

    # The heading on the members page, e.g. "Sabilulungan roles".
    label: Label
    # (value, label) of every role, in the order the members page shows them.
    choices: Callable[[], Sequence[tuple[str, Label]]]
    # {user id: roles held} for the given users in the current tenant schema.
    held: Callable[[Iterable[int]], dict[int, frozenset[str]]]
    # Replace one user's roles in the current tenant schema (an empty set clears).
    store: Callable[[int, frozenset[str]], None]
    # Roles that approve or disburse money: their holders sign in with a
    # second factor (tenants/mfa.py).
    power: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Tile:
    """A box on the dashboard (`count` optional), or a to-do line when `todo`.

    `todo=True` tiles still work (the kernel lists them as `TodoItem`s of kind
    "<app key>.tile.<n>"), but an app with to-dos declares `HostedApp.todos`.
    """

    label: Label
    url: str
    count: int | None = None
    todo: bool = False


@dataclass(frozen=True)
class SetupStep:
    """A step of getting started with an app (or the organisation), for its
    administrators: listed on the app's set-up page (/dashboard/setup/<key>/,
    where they land after the app is switched on) and on the to-do list until
    it is done or they skip it.

    `done` is derived from the tenant's data each time (a role given, a program
    created), never stored; skipping is stored by the kernel (SetupStepSkip).
    """

    # Unique within its app; stable (skips are stored under it).
    key: str
    # What to do, imperative: "Give your officials their roles".
    label: Label
    # Where it is done.
    url: str
    done: bool
    # One or two sentences on the set-up page: why, and what happens there.
    help: Label = ""
    # The button on the set-up page ("" for "Start").
    action: Label = ""
    # More links under the step: ((label, url), ...), e.g. "Invite a treasurer".
    shortcuts: tuple[tuple[Label, str], ...] = ()
    # Whether an administrator may skip it ("not now").
    skippable: bool = True


@dataclass(frozen=True)
class DemoContext:
    """What `seed_demo` hands every demo hook."""

    operator: Any
    # The shared demo password, hashed once (hashing per account takes minutes).
    password_hash: str
    stdout: Any = None


@dataclass(frozen=True)
class HostedApp:
    key: str
    label: Label
    # (path prefix on the tenant host, URLconf module): ("grants/", "grants.urls").
    urls: tuple[tuple[str, str], ...]
    # Where the menu entry points, for members.
    menu_path: str
    # Its public front page, linked from the tenant's home page ("" for none).
    public_path: str = ""
    # The menu entry's text, short enough for the header ("" for the label).
    menu_label: Label = ""
    # URL names anyone may open (the rest are for members or signed-in users);
    # tests/tenants/test_isolation.py walks every other route.
    public_routes: frozenset[str] = frozenset()
    roles: HostedRoles | None = None
    # Tiles for the member looking at the dashboard.
    tiles: Callable[[Any], Sequence[Tile]] | None = None
    # The to-do items of the member making the request (core/todo.py TodoItem),
    # derived from the app's tables, only what this member may act on; called
    # on the tenant's schema where the app is switched on. The header counts
    # them (cached briefly), the dashboard lists them.
    todos: Callable[[Any], Iterable[TodoItem]] | None = None
    # Getting-started steps for a tenant that switched the app on (for its
    # administrators): its set-up page and the to-do list show them.
    setup_steps: Callable[[Any], Sequence[SetupStep]] | None = None
    # Demo data; idempotent; returns a line for seed_demo's summary.
    seed_demo: Callable[[DemoContext], str] | None = None
    # Runs in the deletion's transaction before the tenant's schema is dropped:
    # whatever the app keeps outside that schema (the schema, and files under
    # tenants/<schema>/, go anyway).
    on_tenant_delete: Callable[[Any], None] | None = None
    # The app's part of a tenant export: {name: JSON-able rows}, read with the
    # connection on the tenant's schema.
    export: Callable[[Any], dict] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def url_prefixes(self) -> tuple[str, ...]:
        return tuple("/" + prefix for prefix, _urlconf in self.urls)


_REGISTRY: dict[str, HostedApp] = {}


def register(app: HostedApp) -> HostedApp:
    """Declare a hosted app (from its AppConfig.ready()); a second call replaces it."""
    for prefix in app.url_prefixes:
        for other in _REGISTRY.values():
            if other.key != app.key and prefix in other.url_prefixes:
                raise ValueError(f"{app.key} and {other.key} both claim {prefix}")
    _REGISTRY[app.key] = app
    return app


def unregister(key: str) -> None:
    _REGISTRY.pop(key, None)


def apps() -> tuple[HostedApp, ...]:
    return tuple(_REGISTRY.values())


def get(key: str) -> HostedApp | None:
    return _REGISTRY.get(key)


def app_for_path(path: str) -> HostedApp | None:
    for app in _REGISTRY.values():
        if path.startswith(app.url_prefixes):
            return app
    return None


def public_route_names() -> frozenset[str]:
    names: set[str] = set()
    for app in _REGISTRY.values():
        names |= app.public_routes
    return frozenset(names)


# --- which apps are switched on in a tenant ---------------------------------------

ActivationSource = Callable[[Any], frozenset[str]]
_activation: dict[str, Callable] = {}


def register_activation_source(
    source: ActivationSource, *, adopted_count: Callable[[Any], int] | None = None
) -> None:
    """The catalog says which hosted apps a tenant uses: `source(tenant)` → keys;
    `adopted_count(tenant)` → how many of them it adopted (not publishes), what
    a plan limits."""
    _activation["source"] = source
    if adopted_count is not None:
        _activation["adopted_count"] = adopted_count


def enabled_keys(tenant) -> frozenset[str]:
    source = _activation.get("source")
    if tenant is None or tenant.is_platform or source is None:
        return frozenset()
    return frozenset(k for k in source(tenant) if k in _REGISTRY)


def adopted_count(tenant) -> int:
    counter = _activation.get("adopted_count")
    return counter(tenant) if counter is not None else 0


def enabled_for_request(request) -> frozenset[str]:
    """Keys of the apps switched on for request.tenant (looked up once per request)."""
    if not hasattr(request, "_enabled_hosted_apps"):
        request._enabled_hosted_apps = enabled_keys(getattr(request, "tenant", None))
    return request._enabled_hosted_apps


def enabled_apps(request) -> tuple[HostedApp, ...]:
    keys = enabled_for_request(request)
    return tuple(app for app in _REGISTRY.values() if app.key in keys)


# --- roles, read and written in the tenant's own schema -----------------------------


@contextmanager
def in_schema(tenant):
    """Run with the connection on `tenant`'s schema (and back where it was)."""
    if connection.schema_name == tenant.schema_name:
        yield
        return
    with tenant_context(tenant):
        yield


def apps_with_roles() -> tuple[HostedApp, ...]:
    return tuple(app for app in _REGISTRY.values() if app.roles is not None)


def roles_held(tenant, user_ids: Iterable[int]) -> dict[str, dict[int, frozenset[str]]]:
    """{app key: {user id: roles}} for every hosted app that defines roles."""
    user_ids = list(user_ids)
    with in_schema(tenant):
        return {app.key: app.roles.held(user_ids) for app in apps_with_roles()}


def holds_power(tenant, user_id: int) -> bool:
    """Whether the user holds a role some hosted app marks as moving money."""
    powered = [app for app in apps_with_roles() if app.roles.power]
    if not powered:
        return False
    with in_schema(tenant):
        return any(
            app.roles.held([user_id]).get(user_id, frozenset()) & app.roles.power
            for app in powered
        )


def roles_clear(tenant, user_id: int) -> None:
    """A member leaves: every hosted app forgets their roles in this tenant."""
    with in_schema(tenant):
        for app in apps_with_roles():
            app.roles.store(user_id, frozenset())


# --- a tenant's data, app by app ------------------------------------------------------


def export_all(tenant) -> dict[str, dict]:
    """{app key: the app's export} for every hosted app with an export hook, read
    on the tenant's schema (for the tenant export command)."""
    with in_schema(tenant):
        return {app.key: app.export(tenant) for app in apps() if app.export is not None}
