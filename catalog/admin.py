"""Platform operators' view of the catalog: hide entries, read adoptions and agreements."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    Adoption,
    AdoptionEvent,
    Agreement,
    CatalogApp,
    Release,
    RepositoryLink,
)


class ReleaseInline(admin.TabularInline):
    model = Release
    extra = 0
    fields = ["version", "released_on", "notes"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CatalogApp)
class CatalogAppAdmin(admin.ModelAdmin):
    """Entries belong to their publishers: operators only hide and show them."""

    list_display = [
        "name",
        "publisher",
        "delivery_mode",
        "development_status",
        "is_hidden",
    ]
    list_filter = ["is_hidden", "delivery_mode", "development_status"]
    search_fields = ["name", "slug", "publisher__name"]
    readonly_fields = [
        f.name for f in CatalogApp._meta.fields if f.name not in {"hidden_reason"}
    ]
    inlines = [ReleaseInline]
    actions = ["hide", "show"]

    def get_queryset(self, request):
        # Entries of a deleted organisation (a tombstone) are gone from every list.
        return super().get_queryset(request).filter(publisher__deleted_at__isnull=True)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Only the reason is editable here; hiding goes through the service.
        services.app_set_hidden(
            actor=request.user, app=obj, hidden=obj.is_hidden, reason=obj.hidden_reason
        )

    def _set_hidden(self, request, queryset, hidden: bool):
        try:
            for app in queryset:
                services.app_set_hidden(
                    actor=request.user, app=app, hidden=hidden, reason=app.hidden_reason
                )
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)

    @admin.action(
        description=_("Hide selected entries from the catalog"), permissions=["change"]
    )
    def hide(self, request, queryset):
        self._set_hidden(request, queryset, True)

    @admin.action(
        description=_("Show selected entries in the catalog"), permissions=["change"]
    )
    def show(self, request, queryset):
        self._set_hidden(request, queryset, False)


class AdoptionEventInline(admin.TabularInline):
    model = AdoptionEvent
    extra = 0
    fields = [
        "at",
        "action",
        "from_status",
        "to_status",
        "actor_name",
        "actor_tenant_name",
        "note",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """The workflow writes these; operators read them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Adoption)
class AdoptionAdmin(ReadOnlyAdmin):
    list_display = ["app", "adopter", "status", "usage", "updated_at"]
    list_filter = ["status", "usage"]
    search_fields = ["app__name", "adopter__name"]
    list_select_related = ["app", "adopter"]
    inlines = [AdoptionEventInline]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "kind",
        "first_party",
        "second_party",
        "signed_on",
        "state",
    ]
    list_filter = ["kind", "state"]
    search_fields = ["number", "title", "first_party__name", "second_party__name"]
    list_select_related = ["first_party", "second_party"]


@admin.register(RepositoryLink)
class RepositoryLinkAdmin(ReadOnlyAdmin):
    """Which entries keep themselves up to date, and how their last check went."""

    list_display = ["app", "repository_url", "host", "approved_at", "last_checked_at"]
    list_filter = ["host", "last_run__outcome"]
    search_fields = ["app__name", "repository_url"]
    list_select_related = ["app", "last_run"]
    exclude = ["proposed_by", "approved_by"]
