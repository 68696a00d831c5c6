"""Middleware of the composition: the health check before tenant routing, and
django-csp's with its header built once."""

from __future__ import annotations

import logging

import csp.middleware as _csp
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


class HealthCheckMiddleware:
    """GET /healthz on any host: 200 when the database answers, 503 otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in ("/healthz", "/healthz/"):
            return self.check()
        return self.get_response(request)

    @staticmethod
    def check():
        try:
            connection.set_schema_to_public()
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as exc:  # any failure means "not healthy", never a 500
            logger.warning("health check failed: %s", exc)
            return JsonResponse(
                {"status": "error", "database": "unreachable"}, status=503
            )
        return JsonResponse({"status": "ok", "database": "ok"})


class CSPMiddleware(_csp.CSPMiddleware):
    """django-csp's middleware, with the header built once per process.

    No page of this site uses a nonce or a per-view policy (the policy has no
    inline script or style at all; tests/core/test_browser_policies.py), so for
    a response without django-csp's per-view attributes the headers are the same
    strings every time; building them (dataclasses.asdict and the policy text)
    was a tenth of the time of a page answered from the page cache. Anything
    else (a nonce asked for, a decorated view, an excluded prefix, DEBUG) goes
    through django-csp unchanged.
    """

    _PER_VIEW = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    )
    _HEADERS = (_csp.HEADER, _csp.HEADER_REPORT_ONLY)

    def __init__(self, get_response):
        super().__init__(get_response)
        self._built: list[tuple[str, str]] | None = None

    def _plain(self, request, response) -> bool:
        if settings.DEBUG or getattr(request, "_csp_nonce", None) is not None:
            return False
        if any(hasattr(response, name) for name in self._PER_VIEW):
            return False
        if any(header in response for header in self._HEADERS):
            return False
        prefixes = ()
        for setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
            prefixes += tuple(
                (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
                or ()
            )
        return not request.path_info.startswith(prefixes)

    def process_response(self, request, response):
        if not self._plain(request, response):
            return super().process_response(request, response)
        if self._built is None:
            response = super().process_response(request, response)
            self._built = [(h, response[h]) for h in self._HEADERS if h in response]
            return response
        for header, value in self._built:
            response[header] = value
        request.csp_nonce = _csp.CheckableLazyObject(self._csp_nonce_post_response)
        return response
