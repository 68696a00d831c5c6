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


def on_base_domain(host: str) -> bool:
    """Whether `host` (without a port) is the platform's own or one of its
    SLUG.<BASE_DOMAIN> subdomains, whose DNS the platform holds; a custom
    domain's DNS is its tenant's."""
    base = settings.BASE_DOMAIN
    return host == base or host.endswith(f".{base}")


def webauthn_rp_id(host: str) -> str:
    """The WebAuthn relying party id for a request on `host` (without a port).

    A key or passkey works only for its relying party id and that id's
    subdomains. On the platform host and every SLUG.<BASE_DOMAIN> subdomain it
    is BASE_DOMAIN, so one key registered anywhere there works on all of them
    (people sign in on the platform and are handed to tenant hosts). A custom
    domain is not under BASE_DOMAIN, and a browser refuses a relying party id
    its page is not under: keys registered there are that domain's own, and
    never answer for the platform (so a custom domain whose DNS left the
    platform cannot ask for them)."""
    return settings.BASE_DOMAIN if on_base_domain(host) else host


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
