"""What every operation of the public API shares, added to its OpenAPI document."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

THROTTLED = {
    "description": (
        "Too many requests from this client: wait the number of seconds in "
        "Retry-After, then try again. Anonymous clients may make "
        "API_ANON_RATE requests (300 a minute by default)."
    ),
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
            }
        }
    },
}


def document_throttling(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation may answer 429."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("429", THROTTLED)
    return result


class AnonymousRateThrottle(AnonRateThrottle):
    """DRF's per-address throttle, with its rate and switch read per request
    from settings (API_ANON_RATE, API_THROTTLE_ENABLED) rather than frozen at
    import, so tests and benchmarks switch it like the other limits."""

    def get_rate(self):
        return settings.API_ANON_RATE

    def allow_request(self, request, view):
        if not settings.API_THROTTLE_ENABLED:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
