"""A catalog entry as a publiccode.yml file.

The export starts from the document last imported (so every field of the
standard the catalog has no column for comes back unchanged: logo,
screenshots, videos, dependsOn, fundedBy, usedBy, roadmap, country sections,
descriptions in every language…) and writes over it what the catalog holds
and lets publishers edit. An entry made in the catalog has no document and is
written from its fields alone.
"""

from __future__ import annotations

import copy

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from ..models import CatalogApp
from ..vocabularies import CATEGORIES, SCOPES, SOFTWARE_TYPES
from .importing import english_language, line, text
from .schema import DOCUMENT, LIST, MAP, STRUCT, TEXT_OR_LIST
from .values import is_email, is_language

# The version BagiPakai writes for entries made in the catalog: the spec's current "0".
EXPORT_VERSION = "0"

# The spec's key order, which keeps exports easy to read and diff.
ORDER = (
    "publiccodeYmlVersion name applicationSuite url landingURL isBasedOn "
    "softwareVersion releaseDate logo monochromeLogo organisation inputTypes "
    "outputTypes platforms categories usedBy fundedBy roadmap developmentStatus "
    "softwareType supports intendedAudience description legal maintenance "
    "localisation dependsOn IT it"
).split()
_url_validator = URLValidator()


class _Dumper(yaml.SafeDumper):
    """Block style, list items indented under their key, no anchors."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data):
        return True


def _represent_text(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def _contacts(app: CatalogApp) -> list[dict]:
    contacts = []
    for entry in app.contacts if isinstance(app.contacts, list) else []:
        if not isinstance(entry, dict) or not line(entry.get("name")):
            continue
        contact = {"name": line(entry.get("name"))}
        email = line(entry.get("email"))
        if email and is_email(email):
            contact["email"] = email
        for key in ("phone", "affiliation"):
            if line(entry.get(key)):
                contact[key] = line(entry.get(key))
        contacts.append(contact)
    if contacts or app.maintenance_type not in ("internal", "community"):
        return contacts
    # The spec asks for a contact; the publisher's contact person is the one we know.
    publisher = app.publisher
    contact = {"name": line(publisher.contact_name) or line(publisher.name)}
    if publisher.contact_email and is_email(publisher.contact_email.strip()):
        contact["email"] = publisher.contact_email.strip()
    if line(publisher.contact_phone):
        contact["phone"] = line(publisher.contact_phone)
    contact["affiliation"] = line(publisher.name)
    return [contact]


def _contractors(app: CatalogApp) -> list[dict]:
    contractors = []
    for contractor in app.contractors.all():
        item = {"name": contractor.name, "until": contractor.until.isoformat()}
        if contractor.email:
            item["email"] = contractor.email
        if contractor.website:
            item["website"] = contractor.website
        contractors.append(item)
    return contractors


def _organisation(publisher) -> dict:
    website = (publisher.website or "").strip()
    uri = f"urn:x-bagipakai:{publisher.slug}"
    if website:
        try:
            _url_validator(website)
            uri = website
        except ValidationError:
            pass
    return {"uri": uri, "name": line(publisher.name)}


def _descriptions(app: CatalogApp, stored: dict) -> dict:
    """The description blocks: exactly the entry's languages, its fields in theirs.

    The main fields go to the main language's block and the English fields to
    the block they were imported from (`en-GB` stays `en-GB`), over what the
    stored document has there; every other language's block is kept as it is.
    """
    blocks = copy.deepcopy(stored.get("description") or {})
    main = app.description_language or "id"
    # "en" only for an English text first written in the catalog.
    english = english_language(blocks, main) or "en"
    short_main, long_main = (
        line(app.short_description_id),
        text(app.long_description_id),
    )
    short_en, long_en = line(app.short_description_en), text(app.long_description_en)
    features_en = [line(item) for item in app.features_en if line(item)]
    if english == main:
        # An English entry: its main fields are the English text.
        short_main, long_main = short_en or short_main, long_en or long_main
    else:
        block = dict(blocks.get(english) or {})
        for key, value in (
            ("shortDescription", short_en),
            ("longDescription", long_en),
            ("features", features_en),
        ):
            if value:
                block[key] = value
        # The standard wants a whole description in each language: an English
        # text begun in the catalog (a short description only) waits until it
        # is complete rather than make the file invalid, and an English text
        # the publisher removed leaves the file too.
        if (short_en or long_en or features_en) and all(
            block.get(key)
            for key in ("shortDescription", "longDescription", "features")
        ):
            blocks[english] = block
        else:
            blocks.pop(english, None)
    primary = blocks.setdefault(main, {})
    primary["shortDescription"] = short_main or line(app.name)
    if long_main:
        primary["longDescription"] = long_main
    else:
        primary.pop("longDescription", None)
    if app.documentation_url:
        primary["documentation"] = app.documentation_url.strip()
    else:
        primary.pop("documentation", None)
    features = [line(item) for item in app.features if line(item)]
    if features:
        primary["features"] = features
    else:
        primary.pop("features", None)
    # Keys in the spec's order within each block.
    order = (
        "localisedName genericName shortDescription longDescription documentation "
        "apiDocumentation features screenshots videos awards"
    ).split()
    # The database does not keep the order of a file's languages: the main
    # language comes first, then English, then the others alphabetically.
    languages = sorted(
        blocks, key=lambda key: (key != main, key != english, key.lower())
    )
    return {
        language: {
            key: blocks[language][key] for key in order if key in blocks[language]
        }
        for language in languages
    }


def export_document(app: CatalogApp) -> dict:
    """The entry as a publiccode.yml document (a dict in the spec's key order)."""
    stored = app.publiccode if isinstance(app.publiccode, dict) else {}
    doc = copy.deepcopy(stored)
    doc["publiccodeYmlVersion"] = app.publiccode_version or EXPORT_VERSION
    doc["name"] = line(app.name)
    doc["url"] = app.url
    if app.landing_url:
        doc["landingURL"] = app.landing_url.strip()
    else:
        doc.pop("landingURL", None)
    release = app.releases.order_by("-released_on", "-pk").first()
    if release is not None:
        doc["softwareVersion"] = line(release.version)
        doc["releaseDate"] = release.released_on.isoformat()
    if app.logo_url:
        doc["logo"] = app.logo_url
    if not stored:
        # Made in the catalog: the publisher is the organisation. An imported
        # file keeps the organisation it named (or did not name).
        doc["organisation"] = _organisation(app.publisher)
    doc["platforms"] = [line(item) for item in app.platforms if line(item)] or ["web"]
    categories = [item for item in app.categories if item in CATEGORIES]
    if categories:
        doc["categories"] = categories
    else:
        doc.pop("categories", None)
    doc["developmentStatus"] = app.development_status
    doc["softwareType"] = (
        app.software_type if app.software_type in SOFTWARE_TYPES else "standalone/other"
    )
    audience = dict(doc.get("intendedAudience") or {})
    scope = [item for item in app.scope if item in SCOPES]
    if scope:
        audience["scope"] = scope
    else:
        audience.pop("scope", None)
    if audience:
        doc["intendedAudience"] = audience
    else:
        doc.pop("intendedAudience", None)
    doc["description"] = _descriptions(app, stored)
    legal = dict(doc.get("legal") or {})
    legal["license"] = line(app.license)
    doc["legal"] = legal
    maintenance: dict = {"type": app.maintenance_type}
    contractors = _contractors(app)
    if contractors:
        maintenance["contractors"] = contractors
    contacts = _contacts(app)
    if contacts:
        maintenance["contacts"] = contacts
    doc["maintenance"] = maintenance
    languages = [item.strip() for item in app.languages if is_language(item.strip())]
    languages = languages or [app.description_language or "id"]
    ready = app.localisation_ready
    doc["localisation"] = {
        "localisationReady": len(languages) > 1 if ready is None else ready,
        "availableLanguages": languages,
    }
    return _ordered(DOCUMENT, {key: doc[key] for key in ORDER if key in doc})


def _ordered(spec, value):
    """`value` with every mapping's keys in the spec's order, so exports are stable."""
    if value is None:
        return None
    if spec.kind == STRUCT and isinstance(value, dict):
        return {
            key: _ordered(spec.fields[key], value[key])
            for key in spec.fields
            if key in value
        }
    if spec.kind == MAP and isinstance(value, dict):
        return {key: _ordered(spec.item, item) for key, item in value.items()}
    if spec.kind in (LIST, TEXT_OR_LIST) and isinstance(value, list):
        return [_ordered(spec.item, item) for item in value]
    return value


def export_publiccode(app: CatalogApp) -> str:
    """The entry as publiccode.yml text."""
    return yaml.dump(
        export_document(app),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        # Long lines stay whole: easier to grep and diff than YAML's folded plain text.
        width=float("inf"),
    )
