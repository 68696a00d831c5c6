"""The API's representations; the OpenAPI document is generated from them."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from tenants.hosts import platform_url, tenant_url
from tenants.models import Tenant

from ..models import Adoption, Agreement, CatalogApp

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
