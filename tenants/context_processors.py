from django.conf import settings

from .access import request_membership


def platform(request):
    tenant = getattr(request, "tenant", None)
    on_tenant = tenant is not None and not tenant.is_platform
    return {
        "current_tenant": tenant if on_tenant else None,
        "on_platform": not on_tenant,
        "current_membership": request_membership(request) if on_tenant else None,
        "base_domain": settings.BASE_DOMAIN,
        "billing_enabled": settings.BILLING_ENABLED,
    }
