"""The page a tenant gets under a hosted app's paths where it does not use the app.

The gate itself is the kernel's (tenants.middleware.HostedAppGateMiddleware);
the catalog answers its `hosted_app_off` hook with this explanation, which
names the catalog entry and offers to adopt it.
"""

from __future__ import annotations

from django.shortcuts import render

from . import selectors


def module_not_enabled(request, module):
    return render(
        request,
        "catalog/module_not_enabled.html",
        {
            "module": module,
            "app": selectors.hosted_app_for_module(module.key),
            "tenant": request.tenant,
        },
        status=404,
    )
