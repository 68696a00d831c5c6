"""OpenAPI post-processing: the shared HTTP behaviour, on every operation."""

from __future__ import annotations

from core.api import (
    problem_response,
)

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


def document_http(result, generator, request, public):
    """drf-spectacular post-processing hook: the headers, 304, 406 and 413 of
    every catalog operation (the 429 comes from core.api.document_throttling)."""
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method != "get" or not isinstance(operation, dict):
                continue
            responses = operation["responses"]
            ok = responses.get("200", {})
            ok["headers"] = {
                **_VALIDATOR_HEADERS,
                **_CORS_HEADER,
                **(_LINK_HEADER if path.endswith("/apps/") else {}),
            }
            responses["304"] = {
                "description": "Not modified: the copy the client holds is current.",
                "headers": _VALIDATOR_HEADERS,
            }
            if path.endswith("/apps/"):
                responses["400"] = problem_response(
                    "A query parameter is not valid; `errors` lists each one."
                )
                responses["404"] = problem_response("No such page: past the last one.")
            else:
                responses["404"] = problem_response("No such app in the catalog.")
            if not path.endswith("publiccode.yml"):
                responses["406"] = problem_response(
                    "The Accept header asks for something other than JSON."
                )
            responses["413"] = problem_response(
                "The request has a body larger than the API accepts."
            )
            operation.setdefault("parameters", []).extend(_CONDITIONAL_PARAMETERS)
    return result
