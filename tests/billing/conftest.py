"""Billing fixtures: the real stripe library over a fake HTTP client, and signed webhooks.

Nothing here reaches the network. `stripe_fake` switches billing on with the
`settings` fixture and injects FakeStripeHTTP into billing.gateway, the one
place that makes StripeClients; every request the library builds is recorded
(with its form-encoded parameters decoded) and answered from `routes`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

from billing.models import Subscription
from tests.conftest import PLATFORM_HOST, host_client

SECRET_KEY = "sk_test_x"
WEBHOOK_SECRET = "whsec_test"
PRICE_MONTHLY = "price_unlimited_month"
PRICE_YEARLY = "price_unlimited_year"
WEBHOOK_PATH = "/billing/stripe/webhook/"

_n = itertools.count(1)


def decode_form(body: str) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    result: dict = {}
    for key, value in parse_qsl(body or "", keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node):
        if isinstance(node, dict):
            node = {k: listify(v) for k, v in node.items()}
            if node and all(k.isdigit() for k in node):
                return [node[k] for k in sorted(node, key=int)]
        return node

    return listify(result)


class FakeStripeHTTP(stripe.HTTPClient):
    """A stripe.HTTPClient that answers from a table instead of the network."""

    name = "fake"

    def __init__(self):
        super().__init__()
        self.requests: list[dict] = []
        # (METHOD, path) -> (status, body) or a callable(request) -> (status, body)
        self.routes: dict[tuple[str, str], object] = {}

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        recorded = {
            "method": method.upper(),
            "path": parts.path,
            "query": dict(parse_qsl(parts.query)),
            "params": decode_form(post_data) if post_data else {},
            "headers": dict(headers or {}),
        }
        self.requests.append(recorded)
        answer = self.routes.get((recorded["method"], recorded["path"]))
        if answer is None:
            status, body = (
                404,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "message": f"no fake route for {method} {parts.path}",
                    }
                },
            )
        elif callable(answer):
            status, body = answer(recorded)
        else:
            status, body = answer
        return json.dumps(body), status, {"Request-Id": f"req_{next(_n)}"}

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise AssertionError("billing never streams")

    def close(self):
        pass

    def calls(self, method: str, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"] == path]


@pytest.fixture
def stripe_fake(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_PRICE_UNLIMITED_MONTHLY = PRICE_MONTHLY
    settings.STRIPE_PRICE_UNLIMITED_YEARLY = PRICE_YEARLY
    settings.BILLING_ENABLED = True
    fake = FakeStripeHTTP()
    monkeypatch.setattr("billing.gateway.http_client", lambda: fake)
    return fake


@pytest.fixture
def no_stripe(monkeypatch):
    """Fails the test if anything so much as builds a Stripe client."""

    def refuse(*args, **kwargs):
        raise AssertionError("billing is off: nothing may reach Stripe")

    monkeypatch.setattr(stripe, "StripeClient", refuse)
    monkeypatch.setattr("billing.gateway.http_client", refuse)


# --- Stripe objects and events, shaped as the API sends them ---------------------


def stripe_subscription(
    tenant,
    *,
    id="sub_1",
    customer="cus_1",
    status="active",
    price=PRICE_MONTHLY,
    period_end=None,
    cancel_at_period_end=False,
) -> dict:
    period_end = period_end or int(time.time()) + 30 * 86400
    return {
        "id": id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "metadata": {"tenant_id": str(tenant.pk), "plan": "unlimited"},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{id}",
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price"},
                    "quantity": 1,
                    "current_period_start": period_end - 30 * 86400,
                    "current_period_end": period_end,
                }
            ],
        },
    }


def checkout_session(tenant, *, customer="cus_1", subscription="sub_1") -> dict:
    return {
        "id": "cs_test_1",
        "object": "checkout.session",
        "mode": "subscription",
        "status": "complete",
        "customer": customer,
        "subscription": subscription,
        "client_reference_id": str(tenant.pk),
        "metadata": {"tenant_id": str(tenant.pk), "plan": "unlimited"},
    }


def invoice(tenant, *, subscription="sub_1", customer="cus_1", status="paid") -> dict:
    return {
        "id": f"in_{next(_n)}",
        "object": "invoice",
        "customer": customer,
        "status": status,
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": subscription,
                "metadata": {"tenant_id": str(tenant.pk)},
            },
        },
    }


def event(type: str, obj: dict, *, id=None, created=None) -> dict:
    return {
        "id": id or f"evt_{next(_n)}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created or int(time.time()),
        "livemode": False,
        "type": type,
        "data": {"object": obj},
    }


def sign(payload: str, *, secret=WEBHOOK_SECRET, timestamp=None) -> str:
    """The Stripe-Signature header: HMAC-SHA256 over "timestamp.payload"."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={mac}"


def post_event(evt: dict, *, signature=None, secret=WEBHOOK_SECRET, timestamp=None):
    """POST an event to the webhook on the platform host, signed unless told otherwise."""
    payload = json.dumps(evt)
    headers = {}
    if signature is None:
        signature = sign(payload, secret=secret, timestamp=timestamp)
    if signature:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    return host_client(PLATFORM_HOST).post(
        WEBHOOK_PATH, data=payload, content_type="application/json", **headers
    )


def serve_subscription(fake: FakeStripeHTTP, sub: dict) -> None:
    """Make the fake Stripe answer GET /v1/subscriptions/<id> with `sub` (its state now)."""
    fake.routes[("GET", f"/v1/subscriptions/{sub['id']}")] = (200, sub)


def subscription_of(tenant) -> Subscription:
    return Subscription.objects.get(tenant=tenant)
