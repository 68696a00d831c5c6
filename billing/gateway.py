"""The one way to reach Stripe: a StripeClient made here, never the legacy global API.

Tests replace `http_client` with a fake (a stripe.HTTPClient subclass), so the
real library builds and parses every request without touching the network.
"""

from __future__ import annotations

import stripe
from django.conf import settings

from .entitlements import billing_enabled


class BillingDisabled(RuntimeError):
    """Something tried to reach Stripe while billing is off."""


def http_client() -> stripe.HTTPClient | None:
    """The HTTP client the Stripe library uses (None: its default)."""
    return None


def stripe_client() -> stripe.StripeClient:
    if not billing_enabled():
        raise BillingDisabled("billing is off: STRIPE_SECRET_KEY is not set")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        http_client=http_client(),
        # Stripe's own advice: retry connection errors and 409/5xx; the library
        # sends an idempotency key with every POST, so retries are safe.
        max_network_retries=2,
    )
