"""Every write to the catalog: apps, releases, agreements and the adoption workflow."""

from __future__ import annotations

import logging
from datetime import date

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.entitlements import check_hosted_adoption_allowed
from tenants.models import Membership, Tenant, User

from . import hosted
from .models import (
    Adoption,
    AdoptionEvent,
    Agreement,
    CatalogApp,
    Contractor,
    Release,
    Screenshot,
)
from .uploads import validate_image, validate_pdf

logger = logging.getLogger(__name__)

Status = Adoption.Status

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


# --- who may act -------------------------------------------------------------


def _require_admin(actor: User | None, tenant: Tenant) -> None:
    """`actor=None` is the platform's own command line (operators with shell access)."""
    if actor is None:
        return
    if not Membership.objects.filter(
        user=actor, tenant=tenant, role=Membership.Role.ADMIN
    ).exists():
        raise PermissionDenied(
            _("Only administrators of %(tenant)s may do this.") % {"tenant": tenant}
        )


def _require_operator(actor: User) -> None:
    if not (actor and actor.is_active and actor.is_staff):
        raise PermissionDenied(_("Only platform operators may do this."))


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


def _validate_app(app: CatalogApp) -> None:
    errors: dict[str, list[str]] = {}
    if app.delivery_mode == CatalogApp.Delivery.HOSTED:
        if hosted.get(app.hosted_module) is None:
            errors["hosted_module"] = [
                _("A hosted app must name one of BagiPakai's hosted modules: %(keys)s.")
                % {"keys": ", ".join(m.key for m in hosted.modules())}
            ]
    elif app.hosted_module:
        errors["hosted_module"] = [_("Only hosted apps run as a BagiPakai module.")]
    try:
        app.full_clean(exclude=["publisher", "search_vector", "logo"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def app_create(
    *, actor: User | None, publisher: Tenant, logo=None, **fields
) -> CatalogApp:
    """Publish a new catalog entry. Only admins of a verified tenant may publish."""
    _require_admin(actor, publisher)
    if not publisher.is_verified:
        raise PermissionDenied(
            _(
                "Only verified organisations can publish apps. The platform team verifies new organisations."
            )
        )
    unknown = set(fields) - set(APP_FIELDS) - {"slug"}
    if unknown:
        raise ValueError(f"not catalog app fields: {sorted(unknown)}")
    return _save_app(CatalogApp(publisher=publisher, **fields), logo)


def app_update(
    *, actor: User | None, app: CatalogApp, logo=None, **fields
) -> CatalogApp:
    """Change one's own entry; nobody edits another tenant's entry."""
    _require_admin(actor, app.publisher)
    unknown = set(fields) - set(APP_FIELDS)
    if unknown:
        raise ValueError(f"not catalog app fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(app, name, value)
    app.updated_at = timezone.now()
    return _save_app(app, logo)


def _save_app(app: CatalogApp, logo) -> CatalogApp:
    """Validate, store (a unique-key clash becomes a form error) and index an entry."""
    _validate_app(app)
    if logo:  # a cleared or absent upload is False or None
        validate_image(logo)
        app.logo = logo
    with transaction.atomic():
        try:
            with transaction.atomic():
                app.save()
        except IntegrityError as exc:
            raise _integrity_to_validation(exc) from exc
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
    *, actor: User, app: CatalogApp, hidden: bool, reason: str = ""
) -> CatalogApp:
    """Platform operators hide an entry from the public catalog (adoptions are kept)."""
    _require_operator(actor)
    if not actor.has_perm("catalog.change_catalogapp"):
        raise PermissionDenied(_("Only platform operators may do this."))
    app.is_hidden = hidden
    app.hidden_reason = reason.strip()[:300] if hidden else ""
    app.save(update_fields=["is_hidden", "hidden_reason"])
    return app


def app_contractors_replace(
    *, actor: User | None, app: CatalogApp, contractors: list[dict]
) -> list[Contractor]:
    """Set who maintains `app` under contract ({name, until, email, website} each).

    A contract needs at least one contractor, as publiccode.yml requires.
    """
    _require_admin(actor, app.publisher)
    if app.maintenance_type == CatalogApp.Maintenance.CONTRACT and not contractors:
        raise ValidationError(
            {"contractors": _("Name the contractors when maintenance is by contract.")}
        )
    rows = [
        Contractor(app=app, position=index, **contractor)
        for index, contractor in enumerate(contractors)
    ]
    for row in rows:
        try:
            row.full_clean(exclude=["app"])
        except ValidationError as exc:
            raise ValidationError({"contractors": exc.messages}) from exc
    with transaction.atomic():
        app.contractors.all().delete()
        return Contractor.objects.bulk_create(rows)


def release_add(
    *,
    actor: User | None,
    app: CatalogApp,
    version: str,
    released_on: date,
    notes: str = "",
) -> Release:
    _require_admin(actor, app.publisher)
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
    _require_admin(actor, app.publisher)
    validate_image(image)
    position = app.screenshots.count()
    if position >= 10:
        raise ValidationError({"image": [_("An entry has at most 10 screenshots.")]})
    return Screenshot.objects.create(
        app=app, image=image, caption=caption.strip(), position=position
    )


def screenshot_remove(*, actor: User, screenshot: Screenshot) -> None:
    _require_admin(actor, screenshot.app.publisher)
    screenshot.image.delete(save=False)
    screenshot.delete()


# --- agreements ---------------------------------------------------------------------


def agreement_create(
    *,
    actor: User,
    tenant: Tenant,
    counterparty: Tenant,
    kind: str,
    number: str,
    title: str,
    signed_on: date,
    signed_at_place: str,
    valid_from: date,
    valid_until: date | None,
    first_signatory: str,
    second_signatory: str,
    document=None,
) -> Agreement:
    """Record an agreement between `tenant` (the actor's side) and `counterparty`."""
    _require_admin(actor, tenant)
    if counterparty.pk == tenant.pk or counterparty.is_platform:
        raise ValidationError(
            {"counterparty": [_("Choose the other party of the agreement.")]}
        )
    agreement = Agreement(
        kind=kind,
        number=number.strip(),
        title=title.strip(),
        first_party=tenant,
        second_party=counterparty,
        signed_on=signed_on,
        signed_at_place=signed_at_place.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        first_signatory=first_signatory.strip(),
        second_signatory=second_signatory.strip(),
        created_by=actor,
    )
    errors = {}
    if valid_until and valid_until < valid_from:
        errors["valid_until"] = [_("The agreement cannot end before it starts.")]
    try:
        agreement.full_clean(exclude=["document", "created_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if document:
        validate_pdf(document)
        agreement.document = document
    agreement.save()
    return agreement


# --- the adoption workflow ------------------------------------------------------------

# (action, from statuses, to status, side that acts)
TRANSITIONS = {
    "withdraw": ({Status.REQUESTED, Status.APPROVED}, Status.WITHDRAWN, "adopter"),
    "approve": ({Status.REQUESTED}, Status.APPROVED, "publisher"),
    "reject": ({Status.REQUESTED}, Status.REJECTED, "publisher"),
    "activate": ({Status.APPROVED}, Status.ACTIVE, "adopter"),
    "end": ({Status.ACTIVE, Status.APPROVED}, Status.ENDED, "either"),
}


def adopters_recount(*, app_ids=None, adopter: Tenant | None = None) -> None:
    """Refresh CatalogApp.active_adopters for some apps (all when nothing is named)."""
    from .selectors import active_adopters_count

    apps = CatalogApp.objects.all()
    if app_ids is not None:
        apps = apps.filter(pk__in=app_ids)
    if adopter is not None:
        apps = apps.filter(adoptions__adopter=adopter)
    CatalogApp.objects.filter(pk__in=apps.values("pk")).update(
        active_adopters=active_adopters_count()
    )


def tenant_catalog_purge(*, tenant: Tenant) -> None:
    """Before a tenant is deleted: its adoptions both ways go (agreements are
    protected while adoptions cite them), and the apps it used count one user less."""
    used = list(
        Adoption.objects.filter(adopter=tenant).values_list("app_id", flat=True)
    )
    Adoption.objects.filter(Q(adopter=tenant) | Q(app__publisher=tenant)).delete()
    adopters_recount(app_ids=used)


def _admin_emails(tenant: Tenant) -> list[str]:
    return list(
        Membership.objects.filter(
            tenant=tenant, role=Membership.Role.ADMIN
        ).values_list("user__email", flat=True)
    )


def _notify(adoption: Adoption, action: str, note: str = "") -> None:
    """E-mail both sides' administrators once the step has committed."""
    adoption_id = adoption.pk

    def send():
        fresh = Adoption.objects.select_related(
            "app__publisher", "adopter", "agreement"
        ).get(pk=adoption_id)
        recipients = sorted(
            set(_admin_emails(fresh.adopter))
            | set(_admin_emails(fresh.app.publisher))
            | ({fresh.contact_email} if fresh.contact_email else set())
        )
        context = {"adoption": fresh, "action": action, "note": note}
        # One line whatever the names contain: a header cannot carry a line break.
        subject = " ".join(
            render_to_string("catalog/email/adoption_subject.txt", context).split()
        )
        body = render_to_string("catalog/email/adoption.txt", context)
        send_mail(subject, body, None, recipients)

    # A mail server outage must not turn a committed step into an error page.
    transaction.on_commit(send, robust=True)


def _transition(
    *, actor: User, adoption: Adoption, action: str, note: str = "", **changes
) -> Adoption:
    allowed_from, to_status, side = TRANSITIONS[action]
    with transaction.atomic():
        adoption = (
            Adoption.objects.select_for_update(of=("self",))
            .select_related("app__publisher", "adopter")
            .get(pk=adoption.pk)
        )
        sides = {"adopter": adoption.adopter, "publisher": adoption.app.publisher}
        acting_tenants = (
            [sides["adopter"], sides["publisher"]]
            if side == "either"
            else [sides[side]]
        )
        acting_tenant = next(
            (
                t
                for t in acting_tenants
                if Membership.objects.filter(
                    user=actor, tenant=t, role=Membership.Role.ADMIN
                ).exists()
            ),
            None,
        )
        if acting_tenant is None:
            raise PermissionDenied(
                _("Your organisation's administrators cannot take this step.")
            )
        if adoption.status not in allowed_from:
            raise ValidationError(
                _("This request is %(status)s; it cannot be changed that way.")
                % {"status": adoption.get_status_display().lower()}
            )
        from_status = adoption.status
        adoption.status = to_status
        for name, value in changes.items():
            setattr(adoption, name, value)
        adoption.updated_at = timezone.now()
        adoption.save()
        AdoptionEvent.objects.create(
            adoption=adoption,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            actor_tenant=acting_tenant,
            note=note,
        )
        if Status.ACTIVE in (from_status, to_status):
            adopters_recount(app_ids=[adoption.app_id])
        _notify(adoption, action, note)
    return adoption


def adoption_request(
    *,
    actor: User,
    adopter: Tenant,
    app: CatalogApp,
    purpose: str,
    contact_name: str,
    contact_email: str,
) -> Adoption:
    _require_admin(actor, adopter)
    if app.publisher_id == adopter.pk:
        raise ValidationError(
            _("%(tenant)s publishes this app; it needs no adoption.")
            % {"tenant": adopter}
        )
    if app.is_hidden:
        raise ValidationError(_("This app is not available in the catalog."))
    if not purpose.strip():
        raise ValidationError(
            {"purpose": [_("Say what your organisation will use the app for.")]}
        )
    with transaction.atomic():
        check_hosted_adoption_allowed(adopter, app=app)
        try:
            with transaction.atomic():
                adoption = Adoption.objects.create(
                    app=app,
                    adopter=adopter,
                    purpose=purpose.strip(),
                    contact_name=contact_name.strip(),
                    contact_email=contact_email.strip(),
                    requested_by=actor,
                )
        except IntegrityError as exc:
            raise ValidationError(
                _(
                    "%(tenant)s already has a request or an adoption of %(app)s in progress."
                )
                % {"tenant": adopter, "app": app}
            ) from exc
        AdoptionEvent.objects.create(
            adoption=adoption,
            action="request",
            to_status=Status.REQUESTED,
            actor=actor,
            actor_tenant=adopter,
            note=purpose.strip(),
        )
        _notify(adoption, "request")
    return adoption


def adoption_withdraw(*, actor: User, adoption: Adoption, reason: str = "") -> Adoption:
    return _transition(
        actor=actor, adoption=adoption, action="withdraw", note=reason.strip()
    )


def adoption_reject(*, actor: User, adoption: Adoption, reason: str) -> Adoption:
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for the rejection.")]})
    return _transition(
        actor=actor,
        adoption=adoption,
        action="reject",
        note=reason.strip(),
        decision_reason=reason.strip(),
    )


def adoption_approve(
    *, actor: User, adoption: Adoption, agreement: Agreement, note: str = ""
) -> Adoption:
    """Approve under a recorded agreement between publisher and adopter."""
    pair = {adoption.app.publisher_id, adoption.adopter_id}
    if {agreement.first_party_id, agreement.second_party_id} != pair:
        raise ValidationError(
            {
                "agreement": [
                    _(
                        "The agreement must be between the publisher and the adopting organisation."
                    )
                ]
            }
        )
    if agreement.valid_until and agreement.valid_until < timezone.localdate():
        raise ValidationError({"agreement": [_("That agreement has expired.")]})
    return _transition(
        actor=actor,
        adoption=adoption,
        action="approve",
        note=note.strip(),
        agreement=agreement,
        decision_reason=note.strip(),
    )


def adoption_activate(
    *, actor: User, adoption: Adoption, usage: str, release: Release | None
) -> Adoption:
    """The adopter starts using the app; for hosted apps the module switches on."""
    _check_usage(adoption, usage, release)
    with transaction.atomic():
        check_hosted_adoption_allowed(
            adoption.adopter, app=adoption.app, adoption=adoption
        )
        return _transition(
            actor=actor,
            adoption=adoption,
            action="activate",
            note=f"{usage} {release.version if release else ''}".strip(),
            usage=usage,
            release=release,
        )


def adoption_update_usage(
    *, actor: User, adoption: Adoption, usage: str, release: Release | None
) -> Adoption:
    _check_usage(adoption, usage, release)
    with transaction.atomic():
        adoption = Adoption.objects.select_for_update().get(pk=adoption.pk)
        _require_admin(actor, adoption.adopter)
        if adoption.status != Status.ACTIVE:
            raise ValidationError(_("Only an active adoption says how it is used."))
        note = f"{adoption.usage}→{usage}, {adoption.release.version if adoption.release else '-'}→{release.version if release else '-'}"
        adoption.usage = usage
        adoption.release = release
        adoption.updated_at = timezone.now()
        adoption.save(update_fields=["usage", "release", "updated_at"])
        AdoptionEvent.objects.create(
            adoption=adoption,
            action="update",
            from_status=Status.ACTIVE,
            to_status=Status.ACTIVE,
            actor=actor,
            actor_tenant=adoption.adopter,
            note=note,
        )
    return adoption


def adoption_end(*, actor: User, adoption: Adoption, reason: str) -> Adoption:
    """End an adoption. A hosted module switches off; the adopter's data stays."""
    if not reason.strip():
        raise ValidationError(
            {"reason": [_("Give the reason for ending the adoption.")]}
        )
    return _transition(
        actor=actor,
        adoption=adoption,
        action="end",
        note=reason.strip(),
        decision_reason=reason.strip(),
    )


def _check_usage(adoption: Adoption, usage: str, release: Release | None) -> None:
    if usage not in Adoption.Usage.values:
        raise ValidationError({"usage": [_("Choose pilot or production.")]})
    if release is not None and release.app_id != adoption.app_id:
        raise ValidationError({"release": [_("Choose a release of this app.")]})
