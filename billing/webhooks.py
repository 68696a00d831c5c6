"""What a Stripe webhook delivery must look like before any handler reads it."""

from __future__ import annotations

import time

import jsonschema

# Seconds a signature's timestamp may run ahead of this server's clock. Stripe's
# library refuses only old timestamps; one from the future would stay
# replayable for as long as it is ahead.
WEBHOOK_CLOCK_SKEW = 300

_ID = {"type": "string", "minLength": 1, "maxLength": 255}
_REF = {"anyOf": [{"type": "null"}, _ID, {"type": "object", "properties": {"id": _ID}}]}
_METADATA = {
    "anyOf": [
        {"type": "null"},
        {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
    ]
}
_TIME = {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 0}]}
_SUBSCRIPTION = {
    "type": "object",
    "required": ["id", "object"],
    "properties": {
        "id": _ID,
        "object": {"const": "subscription"},
        "customer": _REF,
        "status": {"type": ["string", "null"]},
        "metadata": _METADATA,
        "cancel_at_period_end": {"type": ["boolean", "null"]},
        "current_period_end": _TIME,
        "items": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "properties": {
                        "data": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "price": _REF,
                                    "current_period_end": _TIME,
                                },
                            },
                        }
                    },
                },
            ]
        },
    },
}
# The shape of each event type a handler reads; anything else about an event is
# Stripe's business. A signed event that does not fit is refused (4xx) rather
# than failing inside the handler (5xx, which Stripe would retry for days).
WEBHOOK_OBJECT_SCHEMAS = {
    "checkout.session.completed": {
        "type": "object",
        "required": ["id", "object"],
        "properties": {
            "id": _ID,
            "object": {"const": "checkout.session"},
            "mode": {"type": ["string", "null"]},
            "customer": _REF,
            "subscription": _REF,
            "client_reference_id": {"type": ["string", "null"], "maxLength": 200},
            "metadata": _METADATA,
        },
    },
    "customer.subscription.created": _SUBSCRIPTION,
    "customer.subscription.updated": _SUBSCRIPTION,
    "customer.subscription.deleted": _SUBSCRIPTION,
    "invoice.paid": {
        "type": "object",
        "required": ["id", "object"],
        "properties": {
            "id": _ID,
            "object": {"const": "invoice"},
            "customer": _REF,
            "subscription": _REF,
            "parent": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {
                            "subscription_details": {
                                "anyOf": [
                                    {"type": "null"},
                                    {
                                        "type": "object",
                                        "properties": {
                                            "subscription": _REF,
                                            "metadata": _METADATA,
                                        },
                                    },
                                ]
                            }
                        },
                    },
                ]
            },
        },
    },
}
WEBHOOK_OBJECT_SCHEMAS["invoice.payment_failed"] = WEBHOOK_OBJECT_SCHEMAS["invoice.paid"]
WEBHOOK_EVENT_SCHEMA = {
    "type": "object",
    "required": ["id", "type", "data"],
    "properties": {
        "id": _ID,
        "type": {"type": "string", "minLength": 1, "maxLength": 100},
        "created": _TIME,
        "livemode": {"type": ["boolean", "null"]},
        "data": {
            "type": "object",
            "required": ["object"],
            "properties": {"object": {"type": "object"}},
        },
    },
}


def webhook_shape_problem(data) -> str:
    """Why a (correctly signed) event is not one this platform can apply, or ""."""
    schemas = [WEBHOOK_EVENT_SCHEMA]
    if isinstance(data, dict) and data.get("type") in WEBHOOK_OBJECT_SCHEMAS:
        schemas.append(
            {
                "type": "object",
                "properties": {
                    "data": {
                        "type": "object",
                        "properties": {
                            "object": WEBHOOK_OBJECT_SCHEMAS[data["type"]]
                        },
                    }
                },
            }
        )
    for schema in schemas:
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(schema).iter_errors(data)
        )
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "event"
            return f"malformed event at {where}: {error.message[:200]}"
    return ""


def check_not_from_the_future(signature: str | None) -> bool:
    """False when a Stripe-Signature header's timestamp is ahead of our clock."""
    for part in (signature or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            if int(value) > time.time() + WEBHOOK_CLOCK_SKEW:
                return False
    return True
