"""Versions of an entry: what changed, field by field, in words."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from ..models import CatalogApp, Release
from ..models_harvest import (
    CatalogAppVersion,
)
from ..publiccode import import_publiccode

# --- versions: what changed, field by field ---------------------------------------------


TYPED_FIELDS = (
    "name",
    "short_description_id",
    "short_description_en",
    "long_description_id",
    "long_description_en",
    "features",
    "features_en",
    "categories",
    "scope",
    "development_status",
    "software_type",
    "license",
    "url",
    "documentation_url",
    "landing_url",
    "platforms",
    "languages",
    "maintenance_type",
    "contacts",
    "publiccode_version",
    "localisation_ready",
    "logo_url",
)


def _flatten(value, path: str, out: dict) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and any(isinstance(i, (dict, list)) for i in value):
        for index, item in enumerate(value):
            _flatten(item, f"{path}[{index}]", out)
    else:
        out[path] = value


def entry_changes(before: dict, after: dict) -> list[dict]:
    """[{field, old, new}] between two snapshots (document paths, or typed fields)."""
    changes = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes.append({"field": key, "old": old, "new": new})
    return changes


def _snapshot(app: CatalogApp) -> dict:
    """The entry as a flat dict: the document's paths, else its typed fields."""
    if app.publiccode:
        flat: dict = {}
        _flatten(app.publiccode, "", flat)
        return flat
    return _typed(app)


def _typed(app: CatalogApp) -> dict:
    return {f"@{name}": getattr(app, name) for name in TYPED_FIELDS}


def _apply(app: CatalogApp, data: bytes, *, origin: str) -> CatalogAppVersion | None:
    """Import the file over the entry; a new version if anything changed."""
    with transaction.atomic():
        app = CatalogApp.objects.select_for_update().get(pk=app.pk)
        had_document = bool(app.publiccode)
        before = _snapshot(app)
        releases_before = set(app.releases.values_list("pk", flat=True))
        result = import_publiccode(actor=None, publisher=app.publisher, data=data)
        app = result.app
        # An entry made in the catalog had no document: compare its typed fields.
        after = _snapshot(app) if had_document else _typed(app)
        changes = entry_changes(_jsonable(before), _jsonable(after))
        new_release = (
            Release.objects.filter(app=app)
            .exclude(pk__in=releases_before)
            .order_by("-released_on", "-pk")
            .first()
        )
        if not changes and new_release is None:
            return None
        last = (
            CatalogAppVersion.objects.filter(app=app)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        return CatalogAppVersion.objects.create(
            app=app,
            number=(last or 0) + 1,
            source=CatalogAppVersion.Source.HARVEST,
            changes=changes,
            release=new_release,
            origin=origin[:300],
        )


def _jsonable(snapshot: dict) -> dict:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))


# Labels of the standard's keys, for the history (plain words, never raw keys).
KEY_LABELS = {
    "name": gettext_lazy("Name"),
    "url": gettext_lazy("Source repository"),
    "landingURL": gettext_lazy("Website or demo"),
    "isBasedOn": gettext_lazy("Based on"),
    "softwareVersion": gettext_lazy("Software version"),
    "releaseDate": gettext_lazy("Release date"),
    "logo": gettext_lazy("Logo"),
    "monochromeLogo": gettext_lazy("Monochrome logo"),
    "platforms": gettext_lazy("Platforms"),
    "categories": gettext_lazy("Categories"),
    "usedBy": gettext_lazy("Used by"),
    "roadmap": gettext_lazy("Roadmap"),
    "developmentStatus": gettext_lazy("Development status"),
    "softwareType": gettext_lazy("Software type"),
    "intendedAudience": gettext_lazy("Intended audience"),
    "scope": gettext_lazy("Scope"),
    "countries": gettext_lazy("Countries"),
    "unsupportedCountries": gettext_lazy("Unsupported countries"),
    "description": gettext_lazy("Description"),
    "localisedName": gettext_lazy("Localised name"),
    "genericName": gettext_lazy("Generic name"),
    "shortDescription": gettext_lazy("Short description"),
    "longDescription": gettext_lazy("Long description"),
    "documentation": gettext_lazy("Documentation"),
    "apiDocumentation": gettext_lazy("API documentation"),
    "features": gettext_lazy("Features"),
    "screenshots": gettext_lazy("Screenshots"),
    "videos": gettext_lazy("Videos"),
    "awards": gettext_lazy("Awards"),
    "legal": gettext_lazy("Legal"),
    "license": gettext_lazy("Licence"),
    "mainCopyrightOwner": gettext_lazy("Copyright owner"),
    "repoOwner": gettext_lazy("Repository owner"),
    "authorsFile": gettext_lazy("Authors file"),
    "maintenance": gettext_lazy("Maintenance"),
    "type": gettext_lazy("Type"),
    "contractors": gettext_lazy("Contractors"),
    "contacts": gettext_lazy("Contacts"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "affiliation": gettext_lazy("Affiliation"),
    "until": gettext_lazy("Until"),
    "website": gettext_lazy("Website"),
    "localisation": gettext_lazy("Localisation"),
    "localisationReady": gettext_lazy("Ready for translation"),
    "availableLanguages": gettext_lazy("Available languages"),
    "dependsOn": gettext_lazy("Dependencies"),
    "open": gettext_lazy("Open"),
    "proprietary": gettext_lazy("Proprietary"),
    "hardware": gettext_lazy("Hardware"),
    "version": gettext_lazy("Version"),
    "versionMin": gettext_lazy("Minimum version"),
    "versionMax": gettext_lazy("Maximum version"),
    "optional": gettext_lazy("Optional"),
    "organisation": gettext_lazy("Organisation"),
    "uri": gettext_lazy("Address"),
    "fundedBy": gettext_lazy("Funded by"),
    "applicationSuite": gettext_lazy("Application suite"),
    "publiccodeYmlVersion": gettext_lazy("publiccode.yml version"),
    "inputTypes": gettext_lazy("Input types"),
    "outputTypes": gettext_lazy("Output types"),
    "it": gettext_lazy("Italian section"),
    "IT": gettext_lazy("Italian section"),
}


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code.split("-")[0].lower())["name_translated"])
    except KeyError:
        return code


def change_label(field: str) -> str:
    """A translated label for a change's field: a typed field or a document path."""
    if field.startswith("@"):
        name = field[1:]
        special = {
            "features": _("Features"),
            "features_en": _("Features (English)"),
            "categories": _("Categories"),
            "scope": _("Scope"),
            "platforms": _("Platforms"),
            "languages": _("Available languages"),
        }
        if name in special:
            return special[name]
        label = str(CatalogApp._meta.get_field(name).verbose_name)
        return label[:1].upper() + label[1:]
    parts = []
    previous = ""
    for piece in field.split("."):
        key, _bracket, index = piece.partition("[")
        if previous == "description":
            label = _language_name(key)
        else:
            label = str(KEY_LABELS.get(key, key))
        if index:
            for number in index.rstrip("]").split("]["):
                label += f" {int(number) + 1}" if number.isdigit() else ""
        parts.append(label)
        previous = key
    return " › ".join(parts)


def change_text(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(change_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {change_text(v)}" for k, v in value.items())
    return str(value)
