"""Absolute URLs on the platform host and on tenants' hosts."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def _origin(host: str, request: HttpRequest | None) -> str:
    if request is not None:
        scheme = request.scheme
        # The port the visitor used (from the Host header), not the one gunicorn
        # listens on behind a proxy.
        _host, _sep, port = request.get_host().rpartition(":")
        port = port if _sep and port.isdigit() else ""
        default = "443" if scheme == "https" else "80"
        suffix = "" if not port or port == default else f":{port}"
    else:
        scheme = "https" if settings.HTTPS else "http"
        port = getattr(settings, "PUBLIC_PORT", "")
        suffix = (
            f":{port}" if port and port != ("443" if settings.HTTPS else "80") else ""
        )
    return f"{scheme}://{host}{suffix}"


def tenant_host(tenant) -> str:
    # .all() so that a prefetch_related("domains") saves the query.
    for domain in tenant.domains.all():
        if domain.is_primary:
            return domain.domain
    return f"{tenant.slug}.{settings.BASE_DOMAIN}"


def tenant_url(tenant, path: str = "/", request: HttpRequest | None = None) -> str:
    return _origin(tenant_host(tenant), request) + path


def platform_url(path: str = "/", request: HttpRequest | None = None) -> str:
    return _origin(settings.BASE_DOMAIN, request) + path
