"""Limits before work (DESIGN invariant 10): request bodies are refused by size
before a byte of them is read, and query strings carrying control characters
are refused before any view sees them.

Every view accepts at most `REQUEST_BODY_LIMIT` bytes; a view that takes
uploads says so with `@body_limit("SETTING_NAME")`, naming the setting that
holds its own limit. The middleware compares the declared Content-Length with
the view's limit in `process_view`, which runs after URL resolution and before
any middleware or view reads the body (CsrfViewMiddleware reads the form in its
own process_view, so this middleware must stand before it). A body without a
Content-Length is never read by Django (the WSGI server passes chunked bodies
with a length, or not at all).

The reverse proxy and gunicorn hold the same limits one step earlier
(docs/deploy.md).
"""

from __future__ import annotations

import re
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

LIMIT_ATTRIBUTE = "body_limit_setting"
# C0 control characters and DEL: no query parameter of this site carries them,
# and NUL in particular reaches PostgreSQL as an error.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def body_limit(setting_name: str):
    """Let a view accept bodies up to the size in `settings.<setting_name>`."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, **kwargs)

        setattr(wrapped, LIMIT_ATTRIBUTE, setting_name)
        return wrapped

    return decorate


def limit_for(view_func) -> int:
    name = getattr(view_func, LIMIT_ATTRIBUTE, None)
    return int(getattr(settings, name)) if name else int(settings.REQUEST_BODY_LIMIT)


def megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(1, size // 1024)} kB"


def wants_json(request) -> bool:
    return request.path.startswith(("/api/", "/billing/stripe/")) or (
        "json" in request.headers.get("Accept", "")
        and "html" not in request.headers.get("Accept", "")
    )


def problem(request, *, status: int, title: str, detail: str, **extra):
    """An error as a page, or as RFC 9457 problem details for API clients."""
    if wants_json(request):
        from core.api import problem_body  # core.api imports DRF: only when needed

        body = problem_body(request, status=status, detail=detail, **extra)
        response = JsonResponse(
            body, status=status, content_type="application/problem+json"
        )
        response["Cache-Control"] = "no-store"
        return response
    html = render_to_string(
        "request_refused.html",
        {"title": title, "detail": detail, "status": status},
        request=request,
    )
    return HttpResponse(html, status=status)


def query_has_control_characters(request) -> bool:
    return any(
        CONTROL_CHARACTERS.search(key)
        or any(CONTROL_CHARACTERS.search(value) for value in values)
        for key, values in request.GET.lists()
    )


class RequestLimitsMiddleware:
    """Answer 413 to a body larger than the resolved view accepts, unread, and
    400 to a query string with control characters, before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if query_has_control_characters(request):
            return problem(
                request,
                status=400,
                title=_("The request could not be understood"),
                detail=_(
                    "The address contains control characters (such as NUL) that "
                    "no page of this site accepts."
                ),
            )
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            return problem(
                request,
                status=400,
                title=_("The request could not be understood"),
                detail=_("The request declared an invalid length."),
            )
        limit = limit_for(view_func)
        if length > limit:
            return problem(
                request,
                status=413,
                title=_("What you sent is too large"),
                detail=_(
                    "This page accepts at most %(limit)s at once; you sent "
                    "%(size)s. Go back, make the files smaller or send fewer "
                    "at a time, and try again."
                )
                % {"limit": megabytes(limit), "size": megabytes(length)},
                limit=limit,
            )
        return None
