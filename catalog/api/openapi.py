"""OpenAPI post-processing: the shared HTTP behaviour, on every operation."""

from __future__ import annotations

from django.conf import settings

from core.api import (
    FormatNegotiation,
    problem_response,
)

from .http import CatalogAPIView

# --- OpenAPI post-processing: the HTTP behaviour above, on every operation --------------

_VALIDATOR_HEADERS = {
    "ETag": {
        "description": "Version of this answer: send it back in If-None-Match.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Last-Modified": {
        "description": "When the catalog last changed (HTTP date).",
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`public, max-age=N` (API_CACHE_SECONDS, 60 by default).",
        "required": True,
        "schema": {"type": "string"},
    },
    "Vary": {
        "description": "`Accept, Accept-Language, Origin`.",
        "required": True,
        "schema": {"type": "string"},
    },
}
_CORS_HEADER = {
    "Access-Control-Allow-Origin": {
        "description": "`*` when the request has an Origin (CORS; no credentials).",
        "schema": {"type": "string"},
    }
}
_LINK_HEADER = {
    "Link": {
        "description": 'RFC 8288 links: `<url>; rel="first"`, `rel="prev"`, '
        '`rel="next"`, `rel="last"`.',
        "required": True,
        "schema": {"type": "string"},
    }
}
_CONDITIONAL_PARAMETERS = [
    {
        "in": "header",
        "name": "If-None-Match",
        "schema": {"type": "string"},
        "description": "An ETag of an earlier answer: 304 while it is current.",
    },
    {
        "in": "header",
        "name": "If-Modified-Since",
        "schema": {"type": "string"},
        "description": "An HTTP date: 304 if the catalog has not changed since "
        "(If-None-Match wins when both are sent).",
    },
]


# The errors particular to each operation; besides them every operation may
# answer 400 (control characters in the query: core.limits), 406 if it
# negotiates its format, 413 and 429 (core.api.document_throttling).
_CONTROL_CHARACTERS = "The address has control characters (such as NUL) in its query."
_ERRORS = {
    "apps_list": {
        "400": "A query parameter is not valid; `errors` lists each one. "
        + _CONTROL_CHARACTERS,
        "404": "No such page: past the last one.",
    },
    "apps_retrieve": {"404": "No such app in the catalog."},
    "apps_publiccode_retrieve": {"404": "No such app in the catalog."},
    "schema_retrieve": {
        "400": "`lang` is not one of the API's languages, or is given twice "
        "(`errors` says which). " + _CONTROL_CHARACTERS,
    },
}


def _unique(values) -> list[str]:
    return list(dict.fromkeys(values))


def document_http(result, generator, request, public):
    """drf-spectacular post-processing hook: the headers, 304, 406 and 413 of
    every operation, and `format` where the view negotiates it, read from the
    views themselves (the 429 comes from core.api.document_throttling)."""
    views = {
        path: callback.cls
        for path, _regex, method, callback in generator.endpoints
        if method == "GET"
    }
    for path, item in result.get("paths", {}).items():
        operation = item.get("get")
        if not isinstance(operation, dict) or path not in views:
            continue
        view = views[path]
        operation_id = operation["operationId"]
        # The catalog's resources: validators from the catalog's generation.
        # The OpenAPI document: an ETag of its own content, no Last-Modified.
        catalog = issubclass(view, CatalogAPIView)
        validators = (
            _VALIDATOR_HEADERS
            if catalog
            else {k: v for k, v in _VALIDATOR_HEADERS.items() if k != "Last-Modified"}
        )
        responses = operation["responses"]
        responses["200"]["headers"] = {
            **validators,
            **_CORS_HEADER,
            **(_LINK_HEADER if operation_id == "apps_list" else {}),
        }
        responses["304"] = {
            "description": "Not modified: the copy the client holds is current.",
            "headers": validators,
        }
        errors = {"400": _CONTROL_CHARACTERS, **_ERRORS.get(operation_id, {})}
        for status, description in errors.items():
            responses[status] = problem_response(description)
        parameters = operation.setdefault("parameters", [])
        if issubclass(view.content_negotiation_class, FormatNegotiation):
            renderers = view.renderer_classes
            media_types = ", ".join(_unique(r.media_type for r in renderers))
            formats = _unique(r.format for r in renderers)
            responses["406"] = problem_response(
                f"The Accept header or `format` asks for something other than "
                f"{media_types}."
            )
            # drf-spectacular lists `format` itself where a view has several
            # renderers, without saying what another value does.
            parameters[:] = [p for p in parameters if p["name"] != "format"]
            parameters.append(
                {
                    "in": "query",
                    "name": "format",
                    "schema": {"type": "string", "enum": formats},
                    "description": "Instead of the Accept header; any other "
                    "value: 406.",
                }
            )
        for parameter in parameters:
            if parameter["name"] == "lang":
                parameter["schema"]["enum"] = [code for code, _ in settings.LANGUAGES]
        responses["413"] = problem_response(
            "The request has a body larger than the API accepts."
        )
        parameters.extend(
            p
            for p in _CONDITIONAL_PARAMETERS
            if catalog or p["name"] != "If-Modified-Since"
        )
    return result
