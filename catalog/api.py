"""The public, read-only catalog API of the platform host (/api/v1/).

Views parse the query, call catalog.selectors and serialize; the OpenAPI
document at /api/v1/schema/ is generated from the serializers below, and the
tests validate every response against that document.
"""

from __future__ import annotations

import hashlib
import json
import math
import re

from django.conf import settings
from django.http import HttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from core.api import (
    PROBLEM_MEDIA_TYPE,
    InvalidParameters,
    NotFoundProblem,
    problem_body,
    problem_response,
)
from core.pagecache import PUBLIC, generation_started, generations
from tenants.hosts import platform_url, tenant_url
from tenants.models import Tenant

from .labels import COUNTRY_CODES, LANGUAGE_CODES
from .models import Adoption, Agreement, CatalogApp
from .publiccode import export_publiccode
from .selectors import (
    FACET_FIELDS,
    LICENSE_PATTERN,
    SEARCH_MAX_LENGTH,
    SLUG_PATTERN,
    SORT_CHOICES,
    TEXT_PATTERN,
    CatalogQuery,
    ParamError,
    app_detail,
    catalog_facets,
    catalog_search,
    visible_apps,
)
from .vocabularies import CATEGORIES, SCOPES

# Part of every ETag: a new version of the API's representations changes them all.
API_VERSION = "1.1.0"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# PostgreSQL's largest integer: a page number beyond any catalog, still a number.
MAX_PAGE = 2**31 - 1

# What `<str:slug>` may hold before it reaches the database; anything else is a
# JSON 404 rather than Django's HTML one (or a NUL byte PostgreSQL refuses).
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,60}")


# --- serializers -------------------------------------------------------------------


class LocalizedTextSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Indonesian.")
    en = serializers.CharField(help_text="English; empty when not translated.")


@extend_schema_field(LocalizedTextSerializer)
class LocalizedTextField(serializers.Field):
    """`short_description` → {"id": app.short_description_id, "en": app.short_description_en}."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, app):
        return {
            "id": getattr(app, f"{self.field_name}_id"),
            "en": getattr(app, f"{self.field_name}_en"),
        }


class OptionalURLField(serializers.URLField):
    """An optional URL: null rather than an empty string when there is none."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None


class PublisherSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField(
        help_text="The publisher's site on BagiPakai."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, tenant: Tenant) -> str:
        return tenant_url(tenant, "/", self.context.get("request"))


class AppLinksSerializer(serializers.Serializer):
    self = serializers.SerializerMethodField(
        method_name="get_self_link", help_text="This app in the API."
    )
    html = serializers.SerializerMethodField(help_text="The app's catalog page.")
    publiccode = serializers.SerializerMethodField(
        help_text="The app described as publiccode.yml."
    )

    def _absolute(self, path: str) -> str:
        return platform_url(path, self.context.get("request"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_self_link(self, app: CatalogApp) -> str:
        return self._absolute(
            reverse("catalog_api:app-detail", kwargs={"slug": app.slug})
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_html(self, app: CatalogApp) -> str:
        return self._absolute(reverse("catalog_detail", kwargs={"slug": app.slug}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_publiccode(self, app: CatalogApp) -> str:
        return self._absolute(
            reverse("catalog_api:app-publiccode", kwargs={"slug": app.slug})
        )


class CatalogAppSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    short_description = LocalizedTextField()
    publisher = PublisherSerializer()
    categories = serializers.ListField(
        child=serializers.CharField(), help_text="publiccode.yml categories."
    )
    scope = serializers.ListField(
        child=serializers.CharField(), help_text="publiccode.yml scope."
    )
    development_status = serializers.ChoiceField(
        choices=CatalogApp.DevelopmentStatus.choices
    )
    delivery_mode = serializers.ChoiceField(choices=CatalogApp.Delivery.choices)
    license = serializers.CharField(help_text="SPDX licence expression.")
    url = serializers.URLField(help_text="Source code repository.")
    documentation_url = OptionalURLField()
    landing_url = OptionalURLField(help_text="Website or demo.")
    adopters_count = serializers.SerializerMethodField(
        help_text="Organisations that use the app now (active adoptions)."
    )
    links = AppLinksSerializer(source="*")

    def get_adopters_count(self, app: CatalogApp) -> int:
        # catalog_search annotates the count; app_detail prefetches the adoptions.
        count = getattr(app, "adopters", None)
        return count if count is not None else len(app.active_adoptions)


class ContactSerializer(serializers.Serializer):
    """A maintainer contact published in the app's publiccode.yml."""

    name = serializers.CharField()
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    affiliation = serializers.CharField(allow_null=True)


class ReleaseSerializer(serializers.Serializer):
    version = serializers.CharField()
    released_on = serializers.DateField()
    notes = serializers.CharField()


class AgreementSummarySerializer(serializers.Serializer):
    """The version both parties confirmed (only confirmed agreements are public)."""

    kind = serializers.ChoiceField(choices=Agreement.Kind.choices)
    number = serializers.CharField()
    signed_on = serializers.DateField()
    ended_on = serializers.DateField(
        allow_null=True,
        help_text="When a party recorded that the agreement ended; the adoption "
        "then ends after a grace period unless a new agreement replaces it.",
    )
    end_reason = serializers.CharField(
        help_text="Why the agreement ended, as the party that recorded it wrote it."
    )


class AdopterSerializer(serializers.Serializer):
    """An organisation that uses the app now: the adoption, without who asked for it."""

    slug = serializers.CharField(source="adopter.slug")
    name = serializers.CharField(source="adopter.name")
    kind = serializers.ChoiceField(source="adopter.kind", choices=Tenant.Kind.choices)
    region_code = serializers.CharField(
        source="adopter.region_code", help_text="Kemendagri region code."
    )
    usage = serializers.SerializerMethodField()
    release = serializers.CharField(
        source="release.version",
        allow_null=True,
        help_text="Version of the app in use, when the adopter said.",
    )
    since = serializers.SerializerMethodField(
        help_text="When the adoption became active."
    )
    agreement = AgreementSummarySerializer(
        allow_null=True, help_text="The MoU or PKS the app is used under."
    )
    ends_on = serializers.DateField(
        source="lapses_on",
        allow_null=True,
        help_text="When the adoption ends because its agreement ended, if it did.",
    )

    @extend_schema_field(
        serializers.ChoiceField(choices=Adoption.Usage.choices, allow_null=True)
    )
    def get_usage(self, adoption: Adoption) -> str | None:
        return adoption.usage or None

    @extend_schema_field(OpenApiTypes.DATE)
    def get_since(self, adoption: Adoption) -> str:
        activations = getattr(adoption, "activations", None)
        moment = activations[0].at if activations else adoption.updated_at
        return timezone.localdate(moment).isoformat()


class CatalogAppDetailSerializer(CatalogAppSerializer):
    long_description = LocalizedTextField()
    features = serializers.ListField(child=serializers.CharField())
    platforms = serializers.ListField(child=serializers.CharField())
    languages = serializers.ListField(
        child=serializers.CharField(), help_text="ISO 639 codes of the user interface."
    )
    maintenance_type = serializers.ChoiceField(choices=CatalogApp.Maintenance.choices)
    contacts = serializers.SerializerMethodField()
    releases = ReleaseSerializer(many=True, help_text="Newest first.")
    adopters = AdopterSerializer(many=True, source="active_adoptions")

    @extend_schema_field(ContactSerializer(many=True))
    def get_contacts(self, app: CatalogApp) -> list:
        contacts = [
            {
                "name": str(contact.get("name") or ""),
                **{
                    key: str(contact[key]) if contact.get(key) else None
                    for key in ("email", "phone", "affiliation")
                },
            }
            for contact in app.contacts or []
            if isinstance(contact, dict)
        ]
        return ContactSerializer(contacts, many=True).data


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="Pass this as the filter's parameter.")
    label = serializers.CharField(
        help_text="What people read for the value, in the request's language."
    )
    count = serializers.IntegerField(
        help_text="Apps matching the search and the other filters (0 included)."
    )
    selected = serializers.BooleanField(help_text="The request filters by it.")


class FacetsSerializer(serializers.Serializer):
    category = FacetValueSerializer(many=True)
    scope = FacetValueSerializer(many=True)
    language = FacetValueSerializer(
        many=True, help_text="Languages of the user interface (ISO 639-1)."
    )
    country = FacetValueSerializer(
        many=True, help_text="Countries the app is meant for (ISO 3166-1)."
    )
    publisher = FacetValueSerializer(many=True)
    delivery = FacetValueSerializer(many=True)
    status = FacetValueSerializer(many=True)
    license = FacetValueSerializer(many=True)


class CatalogAppPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CatalogAppSerializer(many=True)
    facets = FacetsSerializer(
        help_text="Every value some app in the catalog has, with how many apps "
        "match it together with the search and the other filters (a facet is "
        "counted without its own filter, so its other values stay choosable)."
    )


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
            API_VERSION,
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


class CatalogAPIView(APIView):
    """The catalog's endpoints: conditional GET (ETag, Last-Modified, 304),
    `Cache-Control: public`, `Vary: Accept, Accept-Language, Origin`; errors
    are problem details (core.api.problem_exception_handler) and never cached."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # 406 and 429 come first
        self.etag, self.last_modified = None, None

    def unchanged(self, request) -> HttpResponse | None:
        """304 when the client's copy is current (If-None-Match, else If-Modified-Since)."""
        self.etag, self.last_modified = _cache_validators(request)
        return get_conditional_response(
            request, etag=self.etag, last_modified=self.last_modified
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Accept", "Accept-Language", "Origin"))
        if response.status_code in (200, 304) and getattr(self, "etag", None):
            # The same for every anonymous client: kept in the shared page
            # cache, served behind the rate limit (core.api.anonymous_api_gate).
            response.public_page = "api"
            response["ETag"] = self.etag
            if self.last_modified is not None:
                response["Last-Modified"] = http_date(self.last_modified)
            response["Cache-Control"] = (
                f"public, max-age={int(settings.API_CACHE_SECONDS)}"
            )
        elif response.status_code >= 400:
            response["Cache-Control"] = "no-store"
        return response


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


# --- views -------------------------------------------------------------------------


class AppListView(CatalogAPIView):
    @extend_schema(
        operation_id="apps_list",
        summary="Search the catalog",
        description="Invalid parameter values are refused with 400 (problem "
        "details listing each parameter); unknown parameters are ignored. The "
        "Link header (RFC 8288) links the first, previous, next and last pages.",
        parameters=LIST_PARAMETERS,
        responses={200: CatalogAppPageSerializer},
    )
    def get(self, request):
        params = request.query_params
        query = CatalogQuery.from_params(params)
        errors = list(query.errors)
        number = _int_param(params, "page", errors, 1, MAX_PAGE)
        size = _int_param(params, "page_size", errors, PAGE_SIZE, MAX_PAGE_SIZE)
        if errors:
            raise InvalidParameters(errors)
        unchanged = self.unchanged(request)
        if unchanged is not None:
            return unchanged
        facets = catalog_facets(query)
        last = max(1, math.ceil(facets.total / size))
        if number > last:
            raise NotFoundProblem(
                _("There is no page %(page)d: the last page is %(last)d.")
                % {"page": number, "last": last}
            )
        # Publishers' sites are linked: their domains come in one query, not one per app.
        apps = catalog_search(query).prefetch_related("publisher__domains")
        page = list(apps[(number - 1) * size : number * size])
        url = request.build_absolute_uri()

        def page_url(n: int) -> str:
            return (
                remove_query_param(url, "page")
                if n == 1
                else replace_query_param(url, "page", n)
            )

        links = {
            "first": page_url(1),
            "prev": page_url(number - 1) if number > 1 else None,
            "next": page_url(number + 1) if number < last else None,
            "last": page_url(last),
        }
        response = Response(
            {
                "count": facets.total,
                "next": links["next"],
                "previous": links["prev"],
                "results": CatalogAppSerializer(
                    page, many=True, context={"request": request}
                ).data,
                "facets": FacetsSerializer(
                    {
                        name: [
                            {
                                "value": item.value,
                                "label": item.label,
                                "count": item.count,
                                "selected": item.selected,
                            }
                            for item in facets[name]
                        ]
                        for name in FACET_FIELDS
                    }
                ).data,
            }
        )
        response["Link"] = _link_header(links)
        return response


def _visible_app(slug: str, *, detail: bool = True) -> CatalogApp:
    app = None
    if SLUG_RE.fullmatch(slug):
        app = (
            app_detail(slug)
            if detail
            else visible_apps().select_related("publisher").filter(slug=slug).first()
        )
    if app is None:
        raise NotFoundProblem(_("No such app in the catalog."))
    return app


class AppDetailView(CatalogAPIView):
    @extend_schema(
        operation_id="apps_retrieve",
        summary="One app, with its releases and the organisations that use it",
        responses={200: CatalogAppDetailSerializer},
    )
    def get(self, request, slug: str):
        unchanged = self.unchanged(request)
        if unchanged is not None:
            return unchanged
        app = _visible_app(slug)
        return Response(
            CatalogAppDetailSerializer(app, context={"request": request}).data
        )


class _IgnoreAccept(BaseContentNegotiation):
    """The file is YAML whatever the client accepts; errors are problem details."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AppPublicCodeView(CatalogAPIView):
    content_negotiation_class = _IgnoreAccept

    @extend_schema(
        operation_id="apps_publiccode_retrieve",
        summary="The app as a publiccode.yml file",
        responses={
            (200, "application/yaml"): OpenApiResponse(
                {
                    "type": "object",
                    "description": "A publiccode.yml document.",
                    "required": ["publiccodeYmlVersion", "name", "url"],
                    "additionalProperties": True,
                },
                description="publiccode.yml (https://yml.publiccode.tools/).",
            ),
        },
    )
    def get(self, request, slug: str):
        unchanged = self.unchanged(request)
        if unchanged is not None:
            return unchanged
        app = _visible_app(slug, detail=False)
        return HttpResponse(
            export_publiccode(app), content_type="application/yaml; charset=utf-8"
        )


@csrf_exempt
def api_not_found(request, rest: str = ""):
    """Every other address under /api/v1/: a 404 as problem details, whatever
    the method (a POST gets no CSRF page, which an API client cannot read)."""
    detail = _(
        "There is nothing at this address in the API. The API's description is "
        "at %(schema)s."
    ) % {"schema": reverse("catalog_api:schema")}
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            detail = _(
                "Did you mean %(path)s? Addresses of the API end with a slash."
            ) % {"path": request.path + "/"}
    response = HttpResponse(
        _json(problem_body(request, status=404, detail=detail)),
        status=404,
        content_type=PROBLEM_MEDIA_TYPE,
    )
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ("Accept", "Accept-Language", "Origin"))
    return response


def _json(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


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
