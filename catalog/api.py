"""The public, read-only catalog API of the platform host (/api/v1/).

Views parse the query, call catalog.selectors and serialize; the OpenAPI
document at /api/v1/schema/ is generated from the serializers below, and the
tests validate every response against that document.
"""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.hosts import platform_url, tenant_url
from tenants.models import Tenant

from .models import Adoption, Agreement, CatalogApp
from .publiccode import export_publiccode
from .selectors import (
    FACET_FIELDS,
    SORTS,
    CatalogQuery,
    app_detail,
    catalog_facets,
    catalog_search,
    visible_apps,
)

# What `<str:slug>` may hold before it reaches the database; anything else is a
# JSON 404 rather than Django's HTML one (or a NUL byte PostgreSQL refuses).
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,60}")


# --- serializers -------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


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
    label = serializers.CharField()
    count = serializers.IntegerField(
        help_text="Apps matching the query and the other filters."
    )


class FacetsSerializer(serializers.Serializer):
    category = FacetValueSerializer(many=True)
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
        help_text="Counts per filter value, each counted without its own filter."
    )


# --- views -------------------------------------------------------------------------


class CatalogPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such app or page.")


def _choices_text(choices) -> str:
    return ", ".join(f"`{value}`" for value, _label in choices)


class AppListView(APIView):
    @extend_schema(
        operation_id="apps_list",
        summary="Search the catalog",
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description="Words to search for in names, descriptions, features and "
                "publishers; names tolerate typos.",
            ),
            OpenApiParameter("category", str, description="A publiccode.yml category."),
            OpenApiParameter("publisher", str, description="The publisher's slug."),
            OpenApiParameter(
                "delivery", str, description=_choices_text(CatalogApp.Delivery.choices)
            ),
            OpenApiParameter(
                "status",
                str,
                description=_choices_text(CatalogApp.DevelopmentStatus.choices),
            ),
            OpenApiParameter("license", str, description="An SPDX expression."),
            OpenApiParameter(
                "sort",
                str,
                enum=list(SORTS),
                description="Default: relevance with `q`, else most adopted. "
                "Unknown values are ignored.",
            ),
            OpenApiParameter("page", int, description="From 1."),
            OpenApiParameter(
                "page_size",
                int,
                description=f"Default {CatalogPagination.page_size}, "
                f"at most {CatalogPagination.max_page_size}.",
            ),
        ],
        responses={200: CatalogAppPageSerializer, 404: NOT_FOUND},
    )
    def get(self, request):
        query = CatalogQuery.from_params(request.query_params)
        paginator = CatalogPagination()
        # Publishers' sites are linked: their domains come in one query, not one per app.
        apps = catalog_search(query).prefetch_related("publisher__domains")
        page = paginator.paginate_queryset(apps, request, view=self)
        facets = catalog_facets(query)
        return Response(
            {
                "count": paginator.page.paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": CatalogAppSerializer(
                    page, many=True, context={"request": request}
                ).data,
                "facets": FacetsSerializer(
                    {
                        name: [
                            {"value": value, "label": label, "count": count}
                            for value, label, count in facets[name]
                        ]
                        for name in FACET_FIELDS
                    }
                ).data,
            }
        )


def _visible_app(slug: str, *, detail: bool = True) -> CatalogApp:
    app = None
    if SLUG_RE.fullmatch(slug):
        app = (
            app_detail(slug)
            if detail
            else visible_apps().select_related("publisher").filter(slug=slug).first()
        )
    if app is None:
        raise NotFound("No such app in the catalog.")
    return app


class AppDetailView(APIView):
    @extend_schema(
        operation_id="apps_retrieve",
        summary="One app, with its releases and the organisations that use it",
        responses={200: CatalogAppDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request, slug: str):
        app = _visible_app(slug)
        return Response(
            CatalogAppDetailSerializer(app, context={"request": request}).data
        )


class _IgnoreAccept(BaseContentNegotiation):
    """The file is YAML whatever the client accepts; errors are JSON, never a 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AppPublicCodeView(APIView):
    content_negotiation_class = _IgnoreAccept

    @extend_schema(
        operation_id="apps_publiccode_retrieve",
        summary="The app as a publiccode.yml file",
        responses={
            (200, "application/yaml"): OpenApiResponse(
                OpenApiTypes.STR,
                description="publiccode.yml (https://yml.publiccode.tools/).",
            ),
            (404, "application/json"): NOT_FOUND,
        },
    )
    def get(self, request, slug: str):
        app = _visible_app(slug, detail=False)
        return HttpResponse(
            export_publiccode(app), content_type="application/yaml; charset=utf-8"
        )
