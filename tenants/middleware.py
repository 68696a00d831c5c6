"""Per-request checks after routing: session host, suspended tenants."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import DisallowedHost
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import translation

SESSION_HOST_KEY = "_bagipakai_host"


@receiver(user_logged_in)
def _remember_host(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    try:
        request.session[SESSION_HOST_KEY] = request.get_host().lower()
    except (KeyError, DisallowedHost):
        pass  # a programmatic login (tests' force_login) has no host to bind to


class SessionHostMiddleware:
    """A signed-in session belongs to the host it signed in on.

    Browsers keep cookies per host already; this also refuses a session id
    copied from one tenant's site (or the platform) to another host.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            host = request.session.get(SESSION_HOST_KEY)
            if host is not None and host != request.get_host().lower():
                logout(request)
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in person reads every host in the language they chose
    (User.language), whatever this host's cookie or the browser says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        chosen = user.language if user.is_authenticated else ""
        if chosen and chosen != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Pages for a signed-in person may show personal data (NIK, bank details):
    no shared cache or browser history keeps them, unless a view said otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and "Cache-Control" not in response
        ):
            response["Cache-Control"] = "private, no-store"
        return response


class TenantStatusMiddleware:
    """A disabled tenant's hosts show one clear page; its data stays untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and not tenant.is_active
            and not request.path.startswith("/static/")
        ):
            response = render(
                request, "tenants/suspended.html", {"tenant": tenant}, status=503
            )
            response["Retry-After"] = "86400"
            return response
        return self.get_response(request)


class HostedAppGateMiddleware:
    """A hosted app's pages exist in a tenant only where it is switched on
    (tenants/hosted.py): under its path prefixes anywhere else the answer is
    404 — the catalog's `hosted_app_off` hook makes it a page that explains
    the app and offers to adopt it; without one, the plain 404 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import Http404

        from . import hooks, hosted

        tenant = getattr(request, "tenant", None)
        if tenant is not None and not tenant.is_platform:
            app = hosted.app_for_path(request.path)
            if app is not None and app.key not in hosted.enabled_for_request(request):
                for response in hooks.run("hosted_app_off", request, app):
                    if response is not None:
                        return response
                raise Http404(app.key)
        return self.get_response(request)
