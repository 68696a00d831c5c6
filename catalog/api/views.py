"""The endpoints: parse the query, call catalog.selectors, serialize."""

from __future__ import annotations

import math

from django.http import HttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.api import (
    PROBLEM_MEDIA_TYPE,
    VARY,
    InvalidParameters,
    NotFoundProblem,
    problem_body,
)

from ..models import CatalogApp
from ..publiccode import export_publiccode
from ..selectors import (
    FACET_FIELDS,
    CatalogQuery,
    app_detail,
    catalog_facets,
    catalog_page_apps,
    catalog_search,
    visible_apps,
)
from .http import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    SLUG_RE,
    CatalogAPIView,
    _IgnoreAccept,
    _int_param,
    _json,
    _link_header,
)
from .params import (
    LIST_PARAMETERS,
)
from .serializers import (
    CatalogAppDetailSerializer,
    CatalogAppPageSerializer,
    CatalogAppSerializer,
    FacetsSerializer,
)

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
        window = ((number - 1) * size, size)
        facets = None

        def page_exists() -> bool:
            nonlocal facets
            facets = catalog_facets(query, page=window)
            return number <= _last_page(facets.total, size)

        # The first page exists, even of an empty catalog; another, only if
        # the search finds enough apps (counted once, for this answer too).
        unchanged = self.unchanged(
            request, exists=page_exists if number > 1 else lambda: True
        )
        if unchanged is not None:
            return unchanged
        if facets is None:
            facets = catalog_facets(query, page=window)
        last = _last_page(facets.total, size)
        if number > last:
            raise NotFoundProblem(
                _("There is no page %(page)d: the last page is %(last)d.")
                % {"page": number, "last": last}
            )
        # Publishers' sites are linked: their domains come in one query, not one per app.
        if facets.page_ids is not None:
            page = catalog_page_apps(facets.page_ids, "publisher__domains")
        else:
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


def _last_page(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def _app_exists(slug: str) -> bool:
    return bool(SLUG_RE.fullmatch(slug)) and visible_apps().filter(slug=slug).exists()


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
        unchanged = self.unchanged(request, exists=lambda: _app_exists(slug))
        if unchanged is not None:
            return unchanged
        app = _visible_app(slug)
        return Response(
            CatalogAppDetailSerializer(app, context={"request": request}).data
        )


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
        unchanged = self.unchanged(request, exists=lambda: _app_exists(slug))
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
    patch_vary_headers(response, VARY)
    return response
