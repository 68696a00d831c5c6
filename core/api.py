"""What every operation of the public API shares: errors as RFC 9457 problem
details in the request's language, the rate limit, and their OpenAPI text."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from .pagecache import RENDER

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# What an answer of the public API depends on besides its address: never the
# Cookie (PublicAPICookiesMiddleware), so shared caches keep one copy for all.
VARY = ("Accept", "Accept-Language", "Origin")
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# RFC 9457 section 3, with the members this API adds.
PROBLEM_SCHEMA = {
    "type": "object",
    "description": (
        "An error, as RFC 9457 problem details (application/problem+json), "
        "in the language the request asked for (Accept-Language: id or en)."
    ),
    "properties": {
        "type": {
            "type": "string",
            "description": "`about:blank`: the status code says what happened.",
        },
        "title": {"type": "string", "description": "The status, in words."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {
            "type": "string",
            "description": "What went wrong with this request, and what to do.",
        },
        "instance": {"type": "string", "description": "The path that was asked."},
        "errors": {
            "type": "array",
            "description": "400: each query parameter that was wrong.",
            "items": {
                "type": "object",
                "properties": {
                    "parameter": {"type": "string"},
                    "detail": {"type": "string"},
                },
                "required": ["parameter", "detail"],
            },
        },
        "limit": {
            "type": "integer",
            "description": "413: the largest body accepted, in bytes.",
        },
    },
    "required": ["type", "title", "status", "detail"],
}


def problem_response(description: str) -> dict:
    """An OpenAPI response object of problem details."""
    return {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}},
    }


THROTTLED = {
    **problem_response(
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
}


def status_title(status: int) -> str:
    """The status code in words, in the request's language (the problem's title)."""
    titles = {
        400: _("Bad request"),
        401: _("Not signed in"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        412: _("Precondition failed"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
        500: _("Server error"),
    }
    return str(titles.get(status) or _("Error"))


def problem_body(request, *, status: int, detail: str, **extra) -> dict:
    body = {
        "type": "about:blank",
        "title": status_title(status),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.path
    body.update(extra)
    return body


def problem_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error of an API view as problem details,
    worded by this project in the request's language (never DRF's English)."""
    request = context.get("request")
    headers: dict[str, str] = {}
    extra: dict = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else None)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.Throttled):
        status = 429
        wait = int(exc.wait or 0) + (1 if exc.wait and exc.wait % 1 else 0)
        headers["Retry-After"] = str(wait)
        detail = _(
            "Too many requests from your address. Wait %(seconds)d seconds, "
            "then try again."
        ) % {"seconds": wait}
    elif isinstance(exc, exceptions.MethodNotAllowed):
        status = 405
        detail = _(
            "This address does not answer %(method)s; the Allow header lists "
            "the methods it answers."
        ) % {"method": request.method if request is not None else ""}
    elif isinstance(exc, exceptions.NotAcceptable):
        status = 406
        renderers = exc.available_renderers
        if not renderers and context.get("view") is not None:
            renderers = context["view"].get_renderers()
        media_types = _unique(renderer.media_type for renderer in renderers or ())
        formats = _unique(renderer.format for renderer in renderers or ())
        detail = _(
            "This address answers only in %(media_types)s (format: %(formats)s). "
            "Ask for one of them in the Accept header or the format parameter, "
            "or leave both out."
        ) % {"media_types": ", ".join(media_types), "formats": ", ".join(formats)}
    elif isinstance(exc, PreconditionFailed):
        status = 412
        detail = _(
            "This resource has changed since the version named in the If-Match "
            "or If-Unmodified-Since header."
        )
    elif isinstance(exc, InvalidParameters):
        status = 400
        detail = _("Some query parameters are not valid: see “errors”.")
        extra["errors"] = [
            {"parameter": error.parameter, "detail": str(error.detail)}
            for error in exc.errors
        ]
    elif isinstance(exc, exceptions.NotFound):
        status = 404
        own = getattr(exc, "problem_detail", None)
        detail = own or _("There is nothing at this address in the API.")
    elif isinstance(exc, exceptions.APIException):
        status = exc.status_code
        detail = status_title(status)
    else:
        logger.exception("API request failed", exc_info=exc)
        status = 500
        detail = _("Something went wrong on our side. Please try again later.")
    return Response(
        problem_body(request, status=status, detail=str(detail), **extra),
        status=status,
        headers=headers,
        content_type=PROBLEM_MEDIA_TYPE,
    )


def _unique(values) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


class InvalidParameters(exceptions.APIException):
    """400: query parameters that are wrong, each with what was wrong."""

    status_code = 400

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("invalid parameters")


class NotFoundProblem(exceptions.NotFound):
    """404 with this project's own (translated) explanation."""

    def __init__(self, detail: str):
        self.problem_detail = detail
        super().__init__(detail)


class PreconditionFailed(exceptions.APIException):
    """412: If-Match or If-Unmodified-Since does not hold for a resource that exists."""

    status_code = 412


class FormatNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, but a `format` parameter no renderer of the view has
    (`?format=xml`, or empty) is a 406 naming the ones it has: DRF's own answer
    is a 404, which says the address does not exist."""

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        if not format_suffix and name and name in request.query_params:
            wanted = request.query_params[name]
            if not any(renderer.format == wanted for renderer in renderers):
                raise exceptions.NotAcceptable(available_renderers=renderers)
        return super().select_renderer(request, renderers, format_suffix)


class PublicAPICookiesMiddleware:
    """The public API (PUBLIC_API_URLS_REGEX) reads no cookie: its answers are
    the same for every client that sends the same address and Accept,
    Accept-Language and Origin headers, so shared caches may keep one copy
    for all and `Vary` need not name `Cookie`.

    It stands before the page cache and everything else that reads cookies:
    the language comes from Accept-Language only (not the language cookie, nor
    a signed-in person's choice: the API knows no one), as the page cache's
    key does. The session middleware further in still marks the response
    `Vary: Cookie` once anything looked at the (empty) session; that is taken
    off again here, since no cookie reached it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not re.match(settings.PUBLIC_API_URLS_REGEX, request.path_info):
            return self.get_response(request)
        request.META.pop("HTTP_COOKIE", None)
        request.COOKIES = {}
        response = self.get_response(request)
        if response.has_header("Vary"):
            vary = [v.strip() for v in response["Vary"].split(",") if v.strip()]
            kept = [v for v in vary if v.lower() != "cookie"]
            if kept != vary:
                response["Vary"] = ", ".join(kept)
        return response


def document_throttling(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation may answer 429."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
        PROBLEM_SCHEMA
    )
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


def _accepts_json(accept: str) -> bool:
    if not accept:
        return True
    kinds = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    return bool(kinds & {"*/*", "application/*", "application/json"})


def anonymous_api_gate(request):
    """core.pagecache gate "api": a kept answer of the public API goes out only
    to a request the view would have answered the same way — one that accepts
    JSON and is within the anonymous rate limit (counted here, as the view's
    throttle counts it). Anything else is left to the view (406, 429)."""
    if not _accepts_json(request.META.get("HTTP_ACCEPT", "")):
        return RENDER
    visitor = SimpleNamespace(
        user=AnonymousUser(), META=request.META, headers=request.headers
    )
    if not AnonymousRateThrottle().allow_request(visitor, None):
        return RENDER  # the view's own throttle refuses it, with its 429
    return None
