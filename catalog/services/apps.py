"""Writes to catalogue apps, their releases and screenshots, and their search vectors."""

from __future__ import annotations

import logging
from datetime import date

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants import hosted
from tenants.access import access_operator
from tenants.models import PlatformEvent, Tenant, User
from tenants.transparency import platform_event_append

from ..access import access_catalog_admin
from ..models import CatalogApp, Contractor, Release, Screenshot
from ..uploads import validate_image
from ..vocabularies import contractors_problem, publiccode_countries

logger = logging.getLogger(__name__)


APP_FIELDS = (
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
    "delivery_mode",
    "hosted_module",
    "license",
    "url",
    "documentation_url",
    "landing_url",
    "platforms",
    "languages",
    "maintenance_type",
    "contacts",
    "publiccode",
    "publiccode_version",
    "description_language",
    "localisation_ready",
    "logo_url",
)


# --- apps, releases, screenshots -------------------------------------------------


def _refresh_search_vector(app: CatalogApp) -> None:
    vector = (
        SearchVector(Value(app.name), weight="A", config="simple")
        + SearchVector(
            Value(f"{app.short_description_id} {app.short_description_en}"),
            weight="B",
            config="simple",
        )
        + SearchVector(
            Value(
                f"{app.long_description_id} {app.long_description_en} {' '.join(app.features)}"
            ),
            weight="C",
            config="simple",
        )
        + SearchVector(
            Value(f"{app.publisher.name} {' '.join(app.categories)}"),
            weight="D",
            config="simple",
        )
    )
    CatalogApp.objects.filter(pk=app.pk).update(search_vector=vector)
    remember_name_words([app.pk])


def remember_name_words(app_ids: list[int] | None = None) -> None:
    """Add the words of these apps' names (of every app with None) to the
    vocabulary the search's typo tolerance reads (catalog.models.NameWord),
    spelt as the search index spells them."""
    where, params = ("WHERE a.id = ANY(%s)", [list(app_ids)]) if app_ids else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_nameword (word) SELECT DISTINCT w FROM "
            "catalog_catalogapp AS a, "
            "unnest(tsvector_to_array(to_tsvector('simple'::regconfig, a.name))) AS w "
            f"{where} ON CONFLICT (word) DO NOTHING",
            params,
        )


def _contractor_rows(app: CatalogApp, contractors: list[dict]) -> list[Contractor]:
    """Contractor rows for `app` ({name, until, email, website} each), checked."""
    rows = [
        Contractor(app=app, position=index, **contractor)
        for index, contractor in enumerate(contractors)
    ]
    for row in rows:
        try:
            row.full_clean(exclude=["app"])
        except ValidationError as exc:
            # The errors themselves, not their text: they read in the reader's language.
            errors = [error for found in exc.error_dict.values() for error in found]
            raise ValidationError({"contractors": errors}) from exc
    return rows


def _validate_app(app: CatalogApp, contractors: list[Contractor] | None = None) -> None:
    """Check an entry before it is saved, with the contractors it will have.

    `contractors` are the rows replacing the entry's own, or None to keep them.
    """
    errors: dict[str, list] = {}
    if contractors is None:
        contractors = list(app.contractors.all()) if app.pk else []
    problem = contractors_problem(app.maintenance_type, contractors or None)
    if problem:
        errors["contractors"] = [problem]
    if app.delivery_mode == CatalogApp.Delivery.HOSTED:
        if hosted.get(app.hosted_module) is None:
            errors["hosted_module"] = [
                _("A hosted app must name one of BagiPakai's hosted modules: %(keys)s.")
                % {"keys": ", ".join(m.key for m in hosted.apps())}
            ]
    elif app.hosted_module:
        errors["hosted_module"] = [_("Only hosted apps run as a BagiPakai module.")]
    try:
        app.full_clean(exclude=["publisher", "search_vector", "logo"])
    except ValidationError as exc:
        for field, field_errors in exc.error_dict.items():
            errors.setdefault(field, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)


def app_create(
    *,
    actor: User | None,
    publisher: Tenant,
    logo=None,
    contractors: list[dict] | None = None,
    **fields,
) -> CatalogApp:
    """Publish a new catalog entry. Only admins of a verified tenant may publish.

    `contractors` ({name, until, email, website} each) are named when
    maintenance is by contract, and only then (vocabularies.contractors_problem).
    """
    access_catalog_admin(actor, publisher)
    if not publisher.is_verified:
        raise PermissionDenied(
            _(
                "Only verified organisations can publish apps. The platform team verifies new organisations."
            )
        )
    unknown = set(fields) - set(APP_FIELDS) - {"slug"}
    if unknown:
        raise ValueError(f"not catalog app fields: {sorted(unknown)}")
    return _save_app(CatalogApp(publisher=publisher, **fields), logo, contractors or [])


def app_update(
    *,
    actor: User | None,
    app: CatalogApp,
    logo=None,
    contractors: list[dict] | None = None,
    **fields,
) -> CatalogApp:
    """Change one's own entry; nobody edits another tenant's entry.

    `contractors` replace the entry's own; None keeps them. Either way an
    entry leaves with contractors exactly when maintenance is by contract: a
    change away from a contract must remove them, as the standard says.
    """
    access_catalog_admin(actor, app.publisher)
    unknown = set(fields) - set(APP_FIELDS)
    if unknown:
        raise ValueError(f"not catalog app fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(app, name, value)
    app.updated_at = timezone.now()
    return _save_app(app, logo, contractors)


def _save_app(app: CatalogApp, logo, contractors: list[dict] | None) -> CatalogApp:
    """Validate, store (a unique-key clash becomes a form error) and index an entry
    with its contractors (None keeps those it has)."""
    rows = None if contractors is None else _contractor_rows(app, contractors)
    _validate_app(app, rows)
    app.countries = publiccode_countries(app.publiccode)
    if logo:  # a cleared or absent upload is False or None
        validate_image(logo)
        app.logo = logo
    with transaction.atomic():
        try:
            with transaction.atomic():
                app.save()
        except IntegrityError as exc:
            raise _integrity_to_validation(exc) from exc
        if rows is not None:
            app.contractors.all().delete()
            Contractor.objects.bulk_create(rows)
        _refresh_search_vector(app)
    return app


def _integrity_to_validation(exc: IntegrityError) -> ValidationError:
    text = str(exc)
    if "catalog_catalogapp_url" in text or "(url)" in text:
        return ValidationError(
            {"url": [_("Another catalog entry already has this repository URL.")]}
        )
    if "slug" in text:
        return ValidationError({"slug": [_("This identifier is already taken.")]})
    if "catalog_app_one_entry_per_module" in text:
        return ValidationError(
            {"hosted_module": [_("Another entry already runs this module.")]}
        )
    return ValidationError(_("The entry conflicts with an existing one."))


def app_set_hidden(
    *, actor: User, app: CatalogApp, hidden: bool, reason: str = "", note: str = ""
) -> CatalogApp:
    """Platform operators hide an entry from the public catalog (adoptions are kept).

    Hiding or showing again is written to the platform's transparency log with
    the app's name, in the same transaction; saving the same state again with
    the same reason changes nothing and writes nothing.
    """
    access_operator(actor, "catalog.change_catalogapp")
    reason = " ".join(reason.split())[:300] if hidden else ""
    with transaction.atomic():
        app = (
            CatalogApp.objects.select_for_update()
            .select_related("publisher")
            .get(pk=app.pk)
        )
        if app.is_hidden == hidden and app.hidden_reason == reason:
            return app
        app.is_hidden = hidden
        app.hidden_reason = reason
        app.save(update_fields=["is_hidden", "hidden_reason"])
        platform_event_append(
            kind=PlatformEvent.Kind.APP_HIDDEN
            if hidden
            else PlatformEvent.Kind.APP_SHOWN,
            actor=actor,
            tenant=app.publisher,
            reason=reason,
            details={"app": app.name, "app_slug": app.slug},
            private={"note": note.strip()} if note.strip() else None,
        )
    return app


def release_add(
    *,
    actor: User | None,
    app: CatalogApp,
    version: str,
    released_on: date,
    notes: str = "",
) -> Release:
    access_catalog_admin(actor, app.publisher)
    release = Release(
        app=app, version=version.strip(), released_on=released_on, notes=notes.strip()
    )
    release.full_clean(exclude=["app"], validate_unique=False)
    if Release.objects.filter(app=app, version=release.version).exists():
        raise ValidationError(
            {"version": [_("Version %(v)s already exists.") % {"v": release.version}]}
        )
    release.save()
    CatalogApp.objects.filter(pk=app.pk).update(updated_at=timezone.now())
    return release


def screenshot_add(
    *, actor: User, app: CatalogApp, image, caption: str = ""
) -> Screenshot:
    access_catalog_admin(actor, app.publisher)
    validate_image(image)
    position = app.screenshots.count()
    if position >= 10:
        raise ValidationError({"image": [_("An entry has at most 10 screenshots.")]})
    return Screenshot.objects.create(
        app=app, image=image, caption=caption.strip(), position=position
    )
