from .entitlements import billing_enabled


def billing(request):
    # Read when the page is drawn (the Stripe key may be set without a restart in tests).
    return {"billing_enabled": billing_enabled()}
