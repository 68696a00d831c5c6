from django.conf import settings

from billing.entitlements import billing_enabled

from .access import request_membership


def platform(request):
    tenant = getattr(request, "tenant", None)
    on_tenant = tenant is not None and not tenant.is_platform
    return {
        "current_tenant": tenant if on_tenant else None,
        "on_platform": not on_tenant,
        "current_membership": request_membership(request) if on_tenant else None,
        "base_domain": settings.BASE_DOMAIN,
        # Read when the page is drawn (the Stripe key may be set without a restart in tests).
        "billing_enabled": billing_enabled(),
    }
