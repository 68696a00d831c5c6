"""From a valid publiccode.yml to a catalog entry: the typed fields and the whole document.

The catalog keeps typed columns for what it shows and searches (names,
descriptions, categories, licence, contacts, contractors, releases…) and the
whole parsed document in `CatalogApp.publiccode`, so an export gives back
every field of the standard, typed or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from core.i18n import Sentence, error_message

from .. import services
from ..models import CatalogApp, Release
from .issues import Issue, PubliccodeError
from .reading import load_tree
from .rules import description_path
from .standard import check

INDONESIAN = ("id", "ind", "in")
ENGLISH = ("en", "eng")


@dataclass(frozen=True)
class ImportResult:
    app: CatalogApp
    created: bool


def line(value) -> str:
    """One line of text, whitespace collapsed (names, short descriptions, features)."""
    return " ".join(str(value).split()) if value is not None else ""


def text(value) -> str:
    """Running text with Unix line ends and no surrounding blank space."""
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def pick_language(languages, codes) -> str | None:
    """The first language key that is one of `codes`, exactly or by its primary subtag.

    Keys are taken in alphabetical order, not in the file's: the stored
    document (PostgreSQL jsonb) does not keep the file's order, and the export
    must find the very key the import took (en-GB before en-US, whichever
    the file wrote first).
    """
    keys = sorted(languages, key=lambda key: (key.lower(), key))
    for key in keys:
        if key.lower() in codes:
            return key
    for key in keys:
        if key.split("-")[0].lower() in codes:
            return key
    return None


def english_language(languages, main: str) -> str | None:
    """The description language whose texts an entry's English fields hold.

    `main` itself when the main language is English (en-US, say: a file
    without Indonesian), else the English block of `languages` (en, en-GB…),
    None when there is none. The import fills the English fields from it and
    the export and the publishing form write them back to it.
    """
    if main.split("-")[0].lower() in ENGLISH:
        return main
    return pick_language(languages, ENGLISH)


def parse(data: bytes) -> dict:
    """The document of a file the standard accepts; PubliccodeError with every problem."""
    root = load_tree(data)
    doc, issues = check(root)
    if issues:
        raise PubliccodeError(issues)
    return root.python()


def to_fields(doc: dict) -> tuple[dict, dict]:
    """CatalogApp fields of a valid document, and the file path each field came from."""
    languages = doc["description"]
    # The main (Indonesian) fields are required; a file without Indonesian fills
    # them from English or else the first language, and remembers which, so the
    # export writes them back under the same language. The English fields come
    # only from English, so an export never invents an English text.
    main = (
        pick_language(languages, INDONESIAN)
        or pick_language(languages, ENGLISH)
        or next(iter(languages))
    )
    english = english_language(languages, main)
    block = languages[main] or {}
    en_block = (languages[english] or {}) if english else {}
    maintenance = doc.get("maintenance") or {}
    contacts = [
        {
            "name": line(contact.get("name")),
            "email": line(contact.get("email")),
            "phone": line(contact.get("phone")),
            "affiliation": line(contact.get("affiliation")),
        }
        for contact in maintenance.get("contacts") or []
    ]
    fields = {
        "name": line(doc["name"]),
        "short_description_id": line(block.get("shortDescription")),
        "short_description_en": line(en_block.get("shortDescription")),
        "long_description_id": text(block.get("longDescription")),
        "long_description_en": text(en_block.get("longDescription")),
        "features": [line(item) for item in block.get("features") or [] if line(item)],
        "features_en": [
            line(item) for item in en_block.get("features") or [] if line(item)
        ]
        if english and english != main
        else [],
        "categories": list(doc.get("categories") or []),
        "scope": list((doc.get("intendedAudience") or {}).get("scope") or []),
        "development_status": doc["developmentStatus"],
        "software_type": doc["softwareType"],
        "license": line(doc["legal"]["license"]),
        "url": doc["url"].strip(),
        "documentation_url": (block.get("documentation") or "").strip(),
        "landing_url": (doc.get("landingURL") or "").strip(),
        "platforms": [line(item) for item in doc["platforms"] if line(item)],
        "languages": [
            item.strip() for item in doc["localisation"]["availableLanguages"]
        ],
        "maintenance_type": maintenance["type"],
        "contacts": contacts,
        "publiccode": doc,
        "publiccode_version": doc["publiccodeYmlVersion"],
        "description_language": main,
        "localisation_ready": doc["localisation"]["localisationReady"],
        "logo_url": (doc.get("logo") or "").strip(),
    }
    main_path, english_path = description_path(main), description_path(english or main)
    sources = {
        "name": "name",
        "short_description_id": f"{main_path}.shortDescription",
        "short_description_en": f"{english_path}.shortDescription",
        "long_description_id": f"{main_path}.longDescription",
        "long_description_en": f"{english_path}.longDescription",
        "features": f"{main_path}.features",
        "features_en": f"{english_path}.features",
        "categories": "categories",
        "scope": "intendedAudience.scope",
        "development_status": "developmentStatus",
        "software_type": "softwareType",
        "license": "legal.license",
        "url": "url",
        "documentation_url": f"{main_path}.documentation",
        "landing_url": "landingURL",
        "platforms": "platforms",
        "languages": "localisation.availableLanguages",
        "maintenance_type": "maintenance.type",
        "contacts": "maintenance.contacts",
        "contractors": "maintenance.contractors",
        "publiccode_version": "publiccodeYmlVersion",
        "description_language": "description",
        "logo_url": "logo",
        "slug": "name",
        "version": "softwareVersion",
        "released_on": "releaseDate",
        "notes": "softwareVersion",
    }
    return fields, sources


def contractors(doc: dict) -> list[dict]:
    return [
        {
            "name": line(item.get("name")),
            "email": line(item.get("email")),
            "website": (item.get("website") or "").strip(),
            "until": date.fromisoformat(item["until"]),
        }
        for item in (doc.get("maintenance") or {}).get("contractors") or []
    ]


def release_fields(doc: dict) -> dict | None:
    """`version` and `released_on` for catalog.services.release_add, if the file has both.

    A file with only one of them keeps it in the stored document, and the
    export writes it back as it was.
    """
    version = doc.get("softwareVersion")
    released = doc.get("releaseDate")
    if not version or not released:
        return None
    return {"version": line(version), "released_on": date.fromisoformat(released)}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "app"
    slug, number = base, 2
    while CatalogApp.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def _issues_from(exc: ValidationError, sources: dict) -> list[Issue]:
    if hasattr(exc, "error_dict"):
        fields = exc.error_dict.items()
    else:
        fields = [(NON_FIELD_ERRORS, exc.error_list)]
    issues = []
    for field, errors in fields:
        path = "" if field == NON_FIELD_ERRORS else sources.get(field, field)
        issues.extend(Issue(path, error_message(error)) for error in errors)
    return issues


def _organisation(doc: dict) -> tuple[str, str]:
    organisation = doc.get("organisation") or {}
    legal = doc.get("legal") or {}
    return (
        (organisation.get("uri") or "").strip(),
        line(organisation.get("name") or legal.get("repoOwner") or ""),
    )


def import_publiccode(
    *, actor, publisher, data: bytes, confirm_publisher_change: bool = False
) -> ImportResult:
    """Create or update `publisher`'s catalog entry described by a publiccode.yml.

    The entry is matched by `url`. All or nothing: a file with any problem
    raises PubliccodeError and changes nothing. A file that names another
    publishing organisation (`organisation`, or the deprecated
    `legal.repoOwner`) than the entry's current file is refused unless
    `confirm_publisher_change` is given. An actor who may not publish for
    `publisher` gets PermissionDenied (`actor=None` is the command line).
    """
    doc = parse(data)
    fields, sources = to_fields(doc)
    release = release_fields(doc)
    try:
        with transaction.atomic():
            app = (
                CatalogApp.objects.select_for_update().filter(url=fields["url"]).first()
            )
            if app is not None and app.publisher_id != publisher.pk:
                raise PubliccodeError(
                    [
                        Issue(
                            "url",
                            Sentence(
                                gettext_noop(
                                    "Another organisation already lists this repository in the "
                                    "catalog; only that organisation can update its entry."
                                )
                            ),
                        )
                    ]
                )
            if (
                app is not None
                and app.publiccode
                and not confirm_publisher_change
                and any(_organisation(app.publiccode))
                and _organisation(app.publiccode) != _organisation(doc)
            ):
                old_uri, old_name = _organisation(app.publiccode)
                new_uri, new_name = _organisation(doc)
                none = Sentence(gettext_noop("none"))
                raise PubliccodeError(
                    [
                        Issue(
                            "organisation",
                            Sentence(
                                gettext_noop(
                                    "This file changes the publishing organisation from "
                                    "%(old)s to %(new)s. Confirm the change to import it."
                                ),
                                old=old_name or old_uri or none,
                                new=new_name or new_uri or none,
                            ),
                        )
                    ]
                )
            created = app is None
            if created:
                app = services.app_create(
                    actor=actor,
                    publisher=publisher,
                    slug=_unique_slug(fields["name"]),
                    delivery_mode=CatalogApp.Delivery.SOURCE,
                    contractors=contractors(doc),
                    **fields,
                )
            else:
                app = services.app_update(
                    actor=actor, app=app, contractors=contractors(doc), **fields
                )
            if (
                release
                and not Release.objects.filter(
                    app=app, version=release["version"]
                ).exists()
            ):
                services.release_add(actor=actor, app=app, **release)
    except ValidationError as exc:
        raise PubliccodeError(_issues_from(exc, sources)) from None
    return ImportResult(app=app, created=created)
