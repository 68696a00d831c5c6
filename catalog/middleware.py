"""Hosted apps exist in a tenant only while it publishes or actively adopts them.

Which apps are registered is the kernel's (tenants/hosted.py); which are
switched on in a tenant is the catalog's answer, given to the kernel as its
activation source (catalog/apps.py).
"""

from __future__ import annotations

from django.shortcuts import render

from tenants import hosted

from . import selectors


class HostedModuleMiddleware:
    """404, with a page that explains the app and offers to adopt it, under a
    hosted app's path prefixes in a tenant where it is not switched on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is not None and not tenant.is_platform:
            module = hosted.app_for_path(request.path)
            if module is not None and module.key not in hosted.enabled_for_request(
                request
            ):
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
