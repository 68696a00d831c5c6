"""Hosted modules: apps that run inside BagiPakai, switched on per tenant.

A hosted catalog app names its module in `CatalogApp.hosted_module`. The
module's URLs exist in a tenant only while that tenant publishes the app or
has an active adoption of it; elsewhere `HostedModuleMiddleware` answers with
a page that explains the app and offers to adopt it. Adding a hosted app is
one `register(...)` call here plus its URLconf.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class HostedModule:
    key: str
    label: str | Promise
    # Every path prefix the module owns on a tenant host (pages, API, open data).
    url_prefixes: tuple[str, ...]
    # Where the module's menu entry points, for members.
    menu_path: str
    # Its public front page, linked from the tenant's home page ("" for none).
    public_path: str = ""
    # The menu entry's text, short enough for the header ("" for the label).
    menu_label: str | Promise = ""


_REGISTRY: dict[str, HostedModule] = {}


def register(module: HostedModule) -> HostedModule:
    _REGISTRY[module.key] = module
    return module


def modules() -> tuple[HostedModule, ...]:
    return tuple(_REGISTRY.values())


def get(key: str) -> HostedModule | None:
    return _REGISTRY.get(key)


def module_for_path(path: str) -> HostedModule | None:
    for module in _REGISTRY.values():
        if any(path.startswith(prefix) for prefix in module.url_prefixes):
            return module
    return None


# Sabilulungan, Kota Bandung's grants and social aid app: the `grants` package.
GRANTS = register(
    HostedModule(
        key="grants",
        label=_("Sabilulungan (grants and social aid)"),
        url_prefixes=("/grants/", "/open-data/"),
        menu_path="/grants/staff/",
        public_path="/grants/",
        menu_label=_("Sabilulungan"),
    )
)
