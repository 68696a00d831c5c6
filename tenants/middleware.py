"""The 'suspended' page of a disabled tenant (routing itself is django-tenants')."""

from __future__ import annotations

from django.shortcuts import render


class TenantStatusMiddleware:
    """A disabled tenant's hosts show one clear page; its data stays untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and not tenant.is_active
            and not request.path.startswith("/static/")
        ):
            response = render(
                request, "tenants/suspended.html", {"tenant": tenant}, status=503
            )
            response["Retry-After"] = "86400"
            return response
        return self.get_response(request)
