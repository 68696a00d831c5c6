"""OpenAPI: what the list's parameters accept, exactly as the view checks."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
)

from ..labels import COUNTRY_CODES, LANGUAGE_CODES
from ..models import CatalogApp
from ..selectors import (
    LICENSE_PATTERN,
    SEARCH_MAX_LENGTH,
    SLUG_PATTERN,
    SORT_CHOICES,
    TEXT_PATTERN,
)
from ..vocabularies import CATEGORIES, SCOPES
from .http import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
)

# --- OpenAPI: what the list's parameters accept, exactly as the view checks ------------


def _text_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {
            "type": "string",
            "maxLength": SEARCH_MAX_LENGTH,
            "pattern": f"^{TEXT_PATTERN}$",
        },
        description=description,
    )


def _facet_param(name: str, items: dict, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "array", "items": {"type": "string", **items}},
        style="form",
        explode=True,
        description=description
        + " Repeat the parameter for several values: apps with any of them.",
    )


def _enum(values) -> dict:
    return {"enum": list(values)}


LIST_PARAMETERS = [
    _text_param(
        "search",
        "Words to search for in names, descriptions, features and publishers; "
        "names tolerate typos.",
    ),
    _text_param(
        "q", "Another name for `search`; when both are given, `search` is used."
    ),
    _facet_param("category", _enum(CATEGORIES), "publiccode.yml categories."),
    _facet_param("scope", _enum(SCOPES), "publiccode.yml scopes (intendedAudience)."),
    _facet_param(
        "language",
        _enum(LANGUAGE_CODES),
        "ISO 639-1 codes: apps whose user interface comes in the language "
        "(`pt` also finds `pt-BR`).",
    ),
    _facet_param(
        "country",
        _enum(COUNTRY_CODES),
        "ISO 3166-1 codes, lower case: apps meant for the country "
        "(publiccode.yml intendedAudience.countries or a country section).",
    ),
    _facet_param("publisher", {"pattern": f"^{SLUG_PATTERN}$"}, "Publishers' slugs."),
    _facet_param(
        "delivery", _enum(CatalogApp.Delivery.values), "How the app is delivered."
    ),
    _facet_param(
        "status", _enum(CatalogApp.DevelopmentStatus.values), "Development status."
    ),
    _facet_param(
        "license", {"pattern": f"^{LICENSE_PATTERN}$"}, "SPDX licence expressions."
    ),
    OpenApiParameter(
        "sort",
        str,
        enum=list(SORT_CHOICES),
        description="Default: `relevance` with a search, else `adopted` (most "
        "adopted first); `relevance` without a search is `adopted`.",
    ),
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
        description="From 1; past the last page: 404.",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"Default {PAGE_SIZE}.",
    ),
]
