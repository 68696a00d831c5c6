"""HTTP behaviour every endpoint shares: limits, cache validators, links."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_etags, quote_etag
from django.utils.translation import gettext as _
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PROBLEM_MEDIA_TYPE, VARY, FormatNegotiation, PreconditionFailed
from core.pagecache import PUBLIC, generation_started, generations

from ..selectors import (
    ParamError,
)

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# PostgreSQL's largest integer: a page number beyond any catalog, still a number.
MAX_PAGE = 2**31 - 1

# What `<str:slug>` may hold before it reaches the database; anything else is a
# JSON 404 rather than Django's HTML one (or a NUL byte PostgreSQL refuses).
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,60}")


# --- HTTP behaviour shared by the endpoints -------------------------------------------


def _cache_validators(request) -> tuple[str, int | None]:
    """(ETag, Last-Modified as a timestamp) of the representation asked for.

    Both come from the public schema's generation (core/pagecache.py), which
    every committed write to the catalog replaces: an unchanged generation
    means an unchanged answer to the same request, so a conditional GET is
    answered with 304 before any catalog query runs.
    """
    (generation,) = generations([PUBLIC])
    variant = "|".join(
        [
            # A new version of the API's representations changes every ETag.
            api_version(),
            generation,
            request.get_full_path(),
            translation.get_language() or "",
            getattr(request, "accepted_media_type", "") or "",
        ]
    )
    etag = quote_etag(hashlib.sha256(variant.encode()).hexdigest()[:32])
    started = generation_started(generation)
    # Rounded up: HTTP dates count whole seconds, and must not claim an earlier change.
    last_modified = math.ceil(started.timestamp()) if started else None
    return etag, last_modified


class PublicAPIView(APIView):
    """What every view of the public API shares: `format` refused with 406
    when unknown, `Vary: Accept, Accept-Language, Origin`, and errors as
    problem details in JSON, never stored by any cache, whatever the view's
    own renderers (the OpenAPI document's YAML, for one)."""

    content_negotiation_class = FormatNegotiation

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, VARY)
        if response.status_code >= 400:
            response["Cache-Control"] = "no-store"
            # Answered by core.api.problem_exception_handler.
            if isinstance(response, Response) and getattr(response, "exception", False):
                response.accepted_renderer = JSONRenderer()
                response.accepted_media_type = PROBLEM_MEDIA_TYPE
        return response


def api_version() -> str:
    """The version of the API's representations: the OpenAPI document's
    `info.version`, which docs/api-changelog.md's latest entry names."""
    return settings.SPECTACULAR_SETTINGS["VERSION"]


def _names_etag(request, etag: str) -> bool:
    """If-None-Match names `etag` itself (weak comparison), not `*`."""
    wanted = etag.removeprefix("W/")
    return any(
        tag != "*" and tag.removeprefix("W/") == wanted
        for tag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    )


class CatalogAPIView(PublicAPIView):
    """The catalog's endpoints: conditional GET (ETag, Last-Modified, 304),
    `Cache-Control: public`, and what every view of the API shares
    (PublicAPIView: Vary, problem details in JSON never cached)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # 406 and 429 come first
        self.etag, self.last_modified = None, None

    def unchanged(self, request, exists: Callable[[], bool]) -> HttpResponse | None:
        """304 (or a 412 problem) to a conditional GET, before the resource is
        read, when the client's copy is current (If-None-Match, else
        If-Modified-Since); None to read and answer it.

        Preconditions never turn a 404 into a 304 (RFC 9110 section 13.2.1:
        they count only where the answer would be a success), so `exists()`
        is asked first, except when If-None-Match names this very ETag: the
        client was given this answer under the catalog's current generation,
        so it existed then and nothing has changed since. The usual
        revalidation thus stays free of catalog queries; `If-None-Match: *`,
        If-Modified-Since and If-Match pay for the existence check.
        """
        self.etag, self.last_modified = _cache_validators(request)
        answer = get_conditional_response(
            request, etag=self.etag, last_modified=self.last_modified
        )
        if answer is None:
            return None
        proven = answer.status_code == 304 and _names_etag(request, self.etag)
        if not proven and not exists():
            return None  # the view answers 404
        if answer.status_code == 412:
            raise PreconditionFailed()
        return answer

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code in (200, 304) and getattr(self, "etag", None):
            # The same for every anonymous client: kept in the shared page
            # cache, served behind the rate limit (core.api.anonymous_api_gate).
            response.public_page = "api"
            response["ETag"] = self.etag
            if self.last_modified is not None:
                response["Last-Modified"] = http_date(self.last_modified)
            response["Cache-Control"] = public_cache_control()
        return response


def public_cache_control() -> str:
    """How long clients and shared caches may reuse a public answer unasked."""
    return f"public, max-age={int(settings.API_CACHE_SECONDS)}"


def _int_param(params, name: str, errors: list, default: int, maximum: int):
    values = params.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        errors.append(
            ParamError(name, _("Give “%(name)s” only once.") % {"name": name})
        )
        return default
    value = values[0]
    if re.fullmatch(r"[0-9]{1,10}", value) and 1 <= int(value) <= maximum:
        return int(value)
    message = _("“%(name)s” is a whole number from 1 to %(maximum)d.") % {
        "name": name,
        "maximum": maximum,
    }
    errors.append(ParamError(name, message))
    return default


def _link_header(links: dict[str, str | None]) -> str:
    """RFC 8288: `<url>; rel="next", …` for the links that exist."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)


class _IgnoreAccept(BaseContentNegotiation):
    """The file is YAML whatever the client accepts; errors are problem details."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _json(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()
