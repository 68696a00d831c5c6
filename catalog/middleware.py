"""Hosted modules exist in a tenant only while it publishes or actively adopts them."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from tenants.access import request_membership

from . import hosted, selectors


def enabled_modules(request) -> frozenset[str]:
    """Keys of the hosted modules switched on for request.tenant (one query, once per request)."""
    if not hasattr(request, "_enabled_modules"):
        request._enabled_modules = selectors.enabled_module_keys(
            getattr(request, "tenant", None)
        )
    return request._enabled_modules


class HostedModuleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is not None and not tenant.is_platform:
            module = hosted.module_for_path(request.path)
            if module is not None and module.key not in enabled_modules(request):
                return render(
                    request,
                    "catalog/module_not_enabled.html",
                    {
                        "module": module,
                        "app": selectors.hosted_app_for_module(module.key),
                        "tenant": tenant,
                    },
                    status=404,
                )
        return self.get_response(request)


def _awaiting_confirmation(request) -> tuple:
    """Agreements waiting for this tenant's administrators to confirm (admins only)."""
    membership = request_membership(request)
    if membership is None or membership.role != membership.Role.ADMIN:
        return ()
    return tuple(selectors.agreements_awaiting(request.tenant))


def menu(request):
    """Context processor: the menu entries of this tenant's hosted modules, and
    the agreements its administrators are asked to confirm (on the dashboard).
    Both lazy: a page that shows neither queries nothing."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_platform:
        return {"module_menu": (), "agreements_to_confirm": ()}
    return {
        "module_menu": SimpleLazyObject(
            lambda: tuple(
                m for m in hosted.modules() if m.key in enabled_modules(request)
            )
        ),
        "agreements_to_confirm": SimpleLazyObject(
            lambda: _awaiting_confirmation(request)
        ),
    }
