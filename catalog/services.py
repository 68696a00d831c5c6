"""Every write to the catalog: apps, releases, agreements and the adoption workflow."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.files import remember_stored
from core.storage import tenant_file_name
from tenants import hooks, hosted
from tenants.access import access_operator
from tenants.models import Membership, PlatformEvent, Tenant, User
from tenants.notifications import notify
from tenants.transparency import platform_event_append

from . import selectors
from .access import access_agreement_party, access_catalog_admin
from .models import (
    Adoption,
    AdoptionEvent,
    Agreement,
    AgreementEvent,
    CatalogApp,
    Contractor,
    Release,
    Screenshot,
)
from .uploads import validate_image, validate_pdf
from .vocabularies import publiccode_countries
from .workflow import WORKFLOW as ADOPTION_WORKFLOW
from .workflow import sides_for as adoption_sides_for

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


def _check_hosted_place(
    adopter: Tenant, *, app: CatalogApp, adoption: Adoption | None = None
) -> None:
    """Whether the adopter's plan has room for one more hosted app (the kernel's
    `hosted_activation_check` hook; billing answers it). At a request (no
    `adoption`) every open hosted adoption counts, so a tenant cannot queue
    approvals it could never switch on; at activation only the other active
    ones do. Apps that are not hosted are never limited."""
    if not app.is_hosted:
        return
    if adoption is None:

        def count_used() -> int:
            return selectors.hosted_adoptions_used(
                adopter, statuses=Adoption.LIVE_STATUSES
            )
    else:

        def count_used() -> int:
            return selectors.hosted_adoptions_used(adopter, exclude_pk=adoption.pk)

    hooks.run("hosted_activation_check", adopter, label=app.name, count_used=count_used)


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
                % {"keys": ", ".join(m.key for m in hosted.apps())}
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
    return _save_app(CatalogApp(publisher=publisher, **fields), logo)


def app_update(
    *, actor: User | None, app: CatalogApp, logo=None, **fields
) -> CatalogApp:
    """Change one's own entry; nobody edits another tenant's entry."""
    access_catalog_admin(actor, app.publisher)
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


def app_contractors_replace(
    *, actor: User | None, app: CatalogApp, contractors: list[dict]
) -> list[Contractor]:
    """Set who maintains `app` under contract ({name, until, email, website} each).

    A contract needs at least one contractor, as publiccode.yml requires.
    """
    access_catalog_admin(actor, app.publisher)
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


# --- agreements ---------------------------------------------------------------------
#
# An agreement binds nobody until an administrator of the other party confirms
# it. Each proposal (the first recording, then every amendment) is a version in
# AgreementEvent, which nobody can rewrite; the Agreement row holds the terms in
# force, so a declined amendment leaves the confirmed version as it was.


def _actor_snapshot(actor: User | None, tenant: Tenant | None) -> dict:
    """Who acted, as text that outlives the user and the tenant."""
    return {
        "actor_id": actor.pk if actor else None,
        "actor_name": (actor.full_name or actor.email)[:200]
        if actor
        else _("BagiPakai platform")[:200],
        "actor_tenant_id": tenant.pk if tenant else None,
        "actor_tenant_name": tenant.name[:200] if tenant else "",
    }


def _validated_terms(agreement: Agreement, terms: dict) -> dict:
    """Apply `terms` to `agreement` (unsaved) and check them; returns them cleaned."""
    cleaned = {}
    for name in Agreement.TERMS:
        value = terms[name]
        cleaned[name] = value.strip() if isinstance(value, str) else value
        setattr(agreement, name, cleaned[name])
    errors = {}
    if cleaned["valid_until"] and cleaned["valid_until"] < cleaned["valid_from"]:
        errors["valid_until"] = [_("The agreement cannot end before it starts.")]
    try:
        agreement.full_clean(
            exclude=["document", "created_by", "first_party", "second_party"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _terms_json(terms: dict) -> dict:
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in terms.items()
    }


def _terms_from_json(data: dict) -> dict:
    terms = dict(data)
    for name in ("signed_on", "valid_from", "valid_until"):
        if terms.get(name):
            terms[name] = date.fromisoformat(terms[name])
    return terms


def agreement_create(
    *,
    actor: User | None,
    tenant: Tenant,
    counterparty: Tenant,
    document=None,
    **terms,
) -> Agreement:
    """Record an agreement between `tenant` (the actor's side) and `counterparty`.

    It waits for an administrator of `counterparty` to confirm it; until then
    only the two parties see it and it backs no adoption.
    """
    access_agreement_party(actor, tenant)
    if (
        counterparty.pk == tenant.pk
        or counterparty.is_platform
        or not counterparty.is_active
    ):
        raise ValidationError(
            {"counterparty": [_("Choose the other party of the agreement.")]}
        )
    unknown = set(terms) - set(Agreement.TERMS)
    if unknown:
        raise ValueError(f"not agreement terms: {sorted(unknown)}")
    agreement = Agreement(
        first_party=tenant,
        second_party=counterparty,
        created_by=actor,
        state=Agreement.State.AWAITING,
        pending_version=1,
        awaiting_party=counterparty,
    )
    cleaned = _validated_terms(agreement, terms)
    if document:
        validate_pdf(document)
        agreement.document = document
    with transaction.atomic():
        agreement.save()
        AgreementEvent.objects.create(
            agreement=agreement,
            version=1,
            action=AgreementEvent.Action.PROPOSE,
            terms=_terms_json(cleaned),
            document=agreement.document.name if agreement.document else "",
            **_actor_snapshot(actor, tenant),
        )
        _ask_confirmation(agreement)
    return agreement


def _locked_agreement(agreement: Agreement) -> Agreement:
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("first_party", "second_party", "awaiting_party")
        .get(pk=agreement.pk)
    )


def agreement_amend(
    *, actor: User | None, tenant: Tenant, agreement: Agreement, document=None, **terms
) -> Agreement:
    """Propose new terms for a confirmed agreement. The other party confirms them
    again; until it does, the confirmed version stays in force."""
    access_agreement_party(actor, tenant)
    with transaction.atomic():
        agreement = _locked_agreement(agreement)
        if not agreement.involves(tenant):
            raise PermissionDenied(_("Your organisation is not a party to it."))
        if agreement.state != Agreement.State.CONFIRMED:
            raise ValidationError(
                _("Only an agreement both parties confirmed can be amended.")
            )
        if agreement.pending_version is not None:
            raise ValidationError(
                _(
                    "An amendment is already waiting for confirmation; it must be confirmed or declined first."
                )
            )
        # Check the new terms on a copy: the row keeps the version in force.
        draft = Agreement(
            first_party=agreement.first_party, second_party=agreement.second_party
        )
        cleaned = _validated_terms(draft, {**_current_terms(agreement), **terms})
        stored = ""
        if document:
            validate_pdf(document)
            # Under the proposing party's prefix, with a random name; the
            # uploaded name is not trusted.
            stored = default_storage.save(
                tenant_file_name(
                    tenant.schema_name, "catalog/agreements", "pdf", shared=True
                ),
                document,
            )
            remember_stored(default_storage, stored)
        version = _last_version(agreement) + 1
        AgreementEvent.objects.create(
            agreement=agreement,
            version=version,
            action=AgreementEvent.Action.PROPOSE,
            terms=_terms_json(cleaned),
            document=stored or (agreement.document.name if agreement.document else ""),
            **_actor_snapshot(actor, tenant),
        )
        agreement.pending_version = version
        agreement.awaiting_party_id = agreement.other_party_id(tenant.pk)
        agreement.save(update_fields=["pending_version", "awaiting_party"])
        _ask_confirmation(agreement)
    return agreement


def _current_terms(agreement: Agreement) -> dict:
    return {name: getattr(agreement, name) for name in Agreement.TERMS}


def _last_version(agreement: Agreement) -> int:
    last = (
        agreement.events.filter(action=AgreementEvent.Action.PROPOSE)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return last or 0


def _check_decider(actor: User | None, tenant: Tenant, agreement: Agreement) -> None:
    access_catalog_admin(actor, tenant)
    if agreement.pending_version is None:
        raise ValidationError(_("Nothing is waiting for confirmation."))
    if agreement.awaiting_party_id != tenant.pk:
        raise PermissionDenied(
            _(
                "The other party confirms what your organisation recorded; your organisation cannot confirm it itself."
            )
        )
    access_agreement_party(actor, tenant)


def agreement_confirm(
    *, actor: User | None, tenant: Tenant, agreement: Agreement
) -> Agreement:
    """The other party confirms the version waiting for it; it comes into force."""
    with transaction.atomic():
        agreement = _locked_agreement(agreement)
        _check_decider(actor, tenant, agreement)
        proposal = agreement.events.get(
            action=AgreementEvent.Action.PROPOSE, version=agreement.pending_version
        )
        for name, value in _terms_from_json(proposal.terms).items():
            setattr(agreement, name, value)
        agreement.document.name = proposal.document.name or None
        agreement.version = agreement.pending_version
        agreement.pending_version = None
        agreement.awaiting_party = None
        if agreement.state != Agreement.State.ENDED:
            agreement.state = Agreement.State.CONFIRMED
        agreement.confirmed_at = timezone.now()
        agreement.save()
        AgreementEvent.objects.create(
            agreement=agreement,
            version=agreement.version,
            action=AgreementEvent.Action.CONFIRM,
            **_actor_snapshot(actor, tenant),
        )
    return agreement


def agreement_decline(
    *, actor: User | None, tenant: Tenant, agreement: Agreement, reason: str
) -> Agreement:
    """The other party refuses the version waiting for it. A refused amendment
    leaves the confirmed version in force; a refused first version binds nobody."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for declining.")]})
    with transaction.atomic():
        agreement = _locked_agreement(agreement)
        _check_decider(actor, tenant, agreement)
        version = agreement.pending_version
        agreement.pending_version = None
        agreement.awaiting_party = None
        if not agreement.was_confirmed:
            agreement.state = Agreement.State.DECLINED
        agreement.save(update_fields=["pending_version", "awaiting_party", "state"])
        AgreementEvent.objects.create(
            agreement=agreement,
            version=version,
            action=AgreementEvent.Action.DECLINE,
            reason=reason.strip(),
            **_actor_snapshot(actor, tenant),
        )
    return agreement


def agreement_end(
    *,
    actor: User | None,
    tenant: Tenant,
    agreement: Agreement,
    ended_on: date,
    reason: str,
) -> Agreement:
    """Either party records that a confirmed agreement ended (public). The live
    adoptions it backs end AGREEMENT_END_GRACE_DAYS later unless a new confirmed
    agreement replaces it (adoption_end_lapsed)."""
    access_catalog_admin(actor, tenant)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason the agreement ended.")]})
    with transaction.atomic():
        agreement = _locked_agreement(agreement)
        if not agreement.involves(tenant):
            raise PermissionDenied(_("Your organisation is not a party to it."))
        if agreement.state != Agreement.State.CONFIRMED:
            raise ValidationError(
                _("Only an agreement both parties confirmed can be ended.")
            )
        if ended_on < agreement.valid_from:
            raise ValidationError(
                {"ended_on": [_("The agreement cannot end before it starts.")]}
            )
        agreement.state = Agreement.State.ENDED
        agreement.ended_on = ended_on
        agreement.end_reason = reason.strip()
        # An amendment still waiting has nothing left to amend.
        agreement.pending_version = None
        agreement.awaiting_party = None
        agreement.save(
            update_fields=[
                "state",
                "ended_on",
                "end_reason",
                "pending_version",
                "awaiting_party",
            ]
        )
        AgreementEvent.objects.create(
            agreement=agreement,
            version=agreement.version,
            action=AgreementEvent.Action.END,
            reason=reason.strip(),
            terms={"ended_on": ended_on.isoformat()},
            **_actor_snapshot(actor, tenant),
        )
    return agreement


def _ask_confirmation(agreement: Agreement) -> None:
    """Tell the administrators of the party asked to confirm, with a direct link
    to the agreement on that party's own host (sent once the proposal commits)."""
    party = agreement.awaiting_party
    if party is None:
        return
    proposer = Tenant.objects.get(pk=agreement.other_party_id(party.pk))
    notify(
        recipients=_admin_ids(party),
        tenant=party,
        kind="agreement_confirm",
        subject=gettext_lazy("Please confirm agreement %(number)s with %(proposer)s"),
        sentence=gettext_lazy(
            "%(proposer)s recorded the %(kind)s %(number)s with %(party)s on "
            "BagiPakai; it binds nobody and is not shown publicly until an "
            "administrator of %(party)s checks it against the signed document and "
            "confirms it, or declines it with a reason."
        ),
        path=reverse(
            "catalog_agreement", args=[agreement.pk], urlconf="config.urls_tenant"
        ),
        params={
            "proposer": proposer.name,
            "party": party.name,
            "kind": Agreement.Kind(agreement.kind).label,
            "number": agreement.number,
        },
    )


# --- the adoption workflow ------------------------------------------------------------


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


def tenant_catalog_purge(*, tenant: Tenant, reason: str = "") -> None:
    """Before a tenant is deleted (its row stays as a tombstone): other parties'
    records stay. Its live adoptions both ways end with the reason recorded, its
    published apps leave the catalog, and agreements and every event are kept."""
    reason = reason.strip() or _("The organisation %(tenant)s was deleted.") % {
        "tenant": tenant.name
    }
    with transaction.atomic():
        live = list(
            Adoption.objects.select_for_update(of=("self",))
            .filter(Q(adopter=tenant) | Q(app__publisher=tenant))
            .filter(status__in=Adoption.LIVE_STATUSES)
        )
        for adoption in live:
            _system_close(adoption, reason=reason)
        CatalogApp.objects.filter(publisher=tenant).update(
            is_hidden=True, hidden_reason=reason[:300]
        )
        Agreement.objects.filter(awaiting_party=tenant).update(
            pending_version=None, awaiting_party=None
        )
        adopters_recount(app_ids={a.app_id for a in live})


def _system_close(adoption: Adoption, *, reason: str) -> None:
    """The platform ends (or, before approval, withdraws) a live adoption."""
    from_status = adoption.status
    to_status = Status.ENDED if from_status != Status.REQUESTED else Status.WITHDRAWN
    adoption.status = to_status
    adoption.decision_reason = reason
    adoption.updated_at = timezone.now()
    adoption.save(update_fields=["status", "decision_reason", "updated_at"])
    AdoptionEvent.objects.create(
        adoption=adoption,
        action="end" if to_status == Status.ENDED else "withdraw",
        from_status=from_status,
        to_status=to_status,
        note=reason,
        **_actor_snapshot(None, None),
    )


def _admin_ids(tenant: Tenant) -> list[int]:
    return list(
        Membership.objects.filter(
            tenant=tenant, role=Membership.Role.ADMIN
        ).values_list("user_id", flat=True)
    )


# What happened, in one sentence, for each step of an adoption.
ADOPTION_SENTENCES = {
    "request": gettext_lazy("%(adopter)s asked to adopt %(app)s from %(publisher)s."),
    "approve": gettext_lazy(
        "%(publisher)s approved the adoption of %(app)s by %(adopter)s; "
        "%(adopter)s can now activate it."
    ),
    "reject": gettext_lazy(
        "%(publisher)s declined the adoption of %(app)s by %(adopter)s."
    ),
    "withdraw": gettext_lazy("%(adopter)s withdrew the adoption of %(app)s."),
    "activate": gettext_lazy("%(adopter)s started using %(app)s."),
    "end": gettext_lazy("The adoption of %(app)s by %(adopter)s ended."),
    "agreement": gettext_lazy(
        "An agreement now backs the adoption of %(app)s by %(adopter)s."
    ),
}
ADOPTION_NOTE = gettext_lazy("Note: %(note)s")


def _notify(adoption: Adoption, action: str, note: str = "") -> None:
    """Tell both sides' administrators, each with a link to the adoption on
    their own host, and the adopter's contact address (sent after commit)."""
    fresh = Adoption.objects.select_related(
        "app__publisher", "adopter", "agreement"
    ).get(pk=adoption.pk)
    sentence = ADOPTION_SENTENCES.get(action, ADOPTION_SENTENCES["request"])
    if note:
        sentence = format_lazy("{} {}", sentence, ADOPTION_NOTE)
    if fresh.agreement_id:
        sentence = format_lazy(
            "{} {}",
            sentence,
            gettext_lazy("Agreement: %(agreement)s %(number)s."),
        )
    params = {
        "app": fresh.app.name,
        "adopter": fresh.adopter.name,
        "publisher": fresh.app.publisher.name,
        "status": Adoption.Status(fresh.status).label,
        "note": note,
        "agreement": Agreement.Kind(fresh.agreement.kind).label
        if fresh.agreement_id
        else "",
        "number": fresh.agreement.number if fresh.agreement_id else "",
    }
    path = reverse("catalog_adoption", args=[fresh.pk], urlconf="config.urls_tenant")
    subject = gettext_lazy("%(app)s for %(adopter)s: %(status)s")
    adopter_admins = _admin_ids(fresh.adopter)
    for tenant, recipients in (
        (
            fresh.adopter,
            adopter_admins + ([fresh.contact_email] if fresh.contact_email else []),
        ),
        (fresh.app.publisher, _admin_ids(fresh.app.publisher)),
    ):
        notify(
            recipients=recipients,
            tenant=tenant,
            kind=f"adoption_{action}",
            subject=subject,
            sentence=sentence,
            path=path,
            params=params,
        )


def _transition(
    *, actor: User, adoption: Adoption, action: str, note: str = "", **changes
) -> Adoption:
    step = ADOPTION_WORKFLOW.transition(action)
    to_status = step.target
    with transaction.atomic():
        adoption = (
            Adoption.objects.select_for_update(of=("self",))
            .select_related("app__publisher", "adopter")
            .get(pk=adoption.pk)
        )
        sides = {"adopter": adoption.adopter, "publisher": adoption.app.publisher}
        acting_tenant = next(
            (
                sides[side]
                for side in adoption_sides_for(action)
                if Membership.objects.filter(
                    user=actor, tenant=sides[side], role=Membership.Role.ADMIN
                ).exists()
            ),
            None,
        )
        if acting_tenant is None:
            raise PermissionDenied(
                _("Your organisation's administrators cannot take this step.")
            )
        if adoption.status not in step.sources:
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
            note=note,
            **_actor_snapshot(actor, acting_tenant),
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
    access_catalog_admin(actor, adopter)
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
        _check_hosted_place(adopter, app=app)
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
            note=purpose.strip(),
            **_actor_snapshot(actor, adopter),
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


def _check_backing(adoption: Adoption, agreement: Agreement) -> None:
    """`agreement` can back `adoption`: between its two parties, confirmed by both."""
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
    if not agreement.is_binding:
        raise ValidationError(
            {
                "agreement": [
                    _(
                        "Only an agreement both parties confirmed, and not ended, can back an adoption."
                    )
                ]
            }
        )
    if agreement.valid_until and agreement.valid_until < timezone.localdate():
        raise ValidationError({"agreement": [_("That agreement has expired.")]})


def adoption_approve(
    *, actor: User, adoption: Adoption, agreement: Agreement, note: str = ""
) -> Adoption:
    """Approve under an agreement both publisher and adopter confirmed."""
    _check_backing(adoption, agreement)
    return _approve(actor=actor, adoption=adoption, agreement=agreement, note=note)


def _approve(
    *, actor: User, adoption: Adoption, agreement: Agreement, note: str
) -> Adoption:
    return _transition(
        actor=actor,
        adoption=adoption,
        action="approve",
        note=note.strip(),
        agreement=agreement,
        decision_reason=note.strip(),
    )


def adoption_approve_with_new_agreement(
    *, actor: User, adoption: Adoption, note: str = "", document=None, **terms
) -> Adoption:
    """Approve and propose a new agreement to the adopter in one step. The
    adoption is approved but cannot be activated until the adopter's
    administrators confirm the agreement (Adoption.waits_for_agreement)."""
    with transaction.atomic():
        agreement = agreement_create(
            actor=actor,
            tenant=adoption.app.publisher,
            counterparty=adoption.adopter,
            document=document,
            **terms,
        )
        return _approve(actor=actor, adoption=adoption, agreement=agreement, note=note)


def adoption_approve_under(
    *,
    actor: User,
    adoption: Adoption,
    agreement: Agreement | None,
    note: str = "",
    document=None,
    **terms,
) -> Adoption:
    """The publisher's approval, one step whatever the agreement: under an
    agreement both organisations already confirmed, or (`agreement` None) with a
    new one proposed to the adopter from `terms` and `document`."""
    if agreement is not None:
        return adoption_approve(
            actor=actor, adoption=adoption, agreement=agreement, note=note
        )
    return adoption_approve_with_new_agreement(
        actor=actor, adoption=adoption, note=note, document=document, **terms
    )


def adoption_agreement_replace(
    *, actor: User, adoption: Adoption, agreement: Agreement
) -> Adoption:
    """Either party puts a live adoption under another agreement both confirmed,
    e.g. the new one signed after the old one ended; the adoption no longer lapses."""
    _check_backing(adoption, agreement)
    with transaction.atomic():
        adoption = (
            Adoption.objects.select_for_update(of=("self",))
            .select_related("app__publisher", "adopter", "agreement")
            .get(pk=adoption.pk)
        )
        acting = next(
            (
                t
                for t in (adoption.adopter, adoption.app.publisher)
                if actor is not None
                and Membership.objects.filter(
                    user=actor, tenant=t, role=Membership.Role.ADMIN
                ).exists()
            ),
            None,
        )
        if acting is None:
            raise PermissionDenied(
                _("Your organisation's administrators cannot take this step.")
            )
        if adoption.status not in (Status.APPROVED, Status.ACTIVE):
            raise ValidationError(_("Only a live adoption changes its agreement."))
        previous = adoption.agreement
        adoption.agreement = agreement
        adoption.updated_at = timezone.now()
        adoption.save(update_fields=["agreement", "updated_at"])
        AdoptionEvent.objects.create(
            adoption=adoption,
            action="agreement",
            from_status=adoption.status,
            to_status=adoption.status,
            note=f"{previous or '-'} → {agreement}",
            **_actor_snapshot(actor, acting),
        )
        _notify(adoption, "agreement")
    return adoption


def adoption_end_lapsed(*, now=None) -> int:
    """End the live adoptions whose agreement was recorded as ended more than
    AGREEMENT_END_GRACE_DAYS ago and that no confirmed agreement replaced.
    Returns how many ended. Run daily (management command end_lapsed_adoptions)."""
    today = timezone.localdate(now or timezone.now())
    cutoff = today - timedelta(days=settings.AGREEMENT_END_GRACE_DAYS)
    ended = 0
    with transaction.atomic():
        lapsed = list(
            Adoption.objects.select_for_update(of=("self",))
            .select_related("agreement", "app__publisher", "adopter")
            .filter(
                status__in=(Status.APPROVED, Status.ACTIVE),
                agreement__state=Agreement.State.ENDED,
                agreement__ended_on__lte=cutoff,
            )
            .order_by("pk")
        )
        for adoption in lapsed:
            reason = _(
                "The agreement %(agreement)s ended on %(day)s and no new agreement replaced it within %(days)s days."
            ) % {
                "agreement": adoption.agreement,
                "day": adoption.agreement.ended_on.isoformat(),
                "days": settings.AGREEMENT_END_GRACE_DAYS,
            }
            _system_close(adoption, reason=reason)
            _notify(adoption, "end", reason)
            ended += 1
        if lapsed:
            adopters_recount(app_ids={a.app_id for a in lapsed})
    return ended


def adoption_activate(
    *, actor: User, adoption: Adoption, usage: str, release: Release | None
) -> Adoption:
    """The adopter starts using the app; for hosted apps the module switches on.
    Only under an agreement both parties confirmed."""
    _check_usage(adoption, usage, release)
    # Read from the database: the caller's copy may predate the approval.
    agreement = Agreement.objects.filter(adoptions__pk=adoption.pk).first()
    if agreement is None or not agreement.is_binding:
        raise ValidationError(
            _(
                "The agreement for this adoption must be confirmed by both parties before the app can be used."
            )
        )
    with transaction.atomic():
        _check_hosted_place(adoption.adopter, app=adoption.app, adoption=adoption)
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
        access_catalog_admin(actor, adoption.adopter)
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
            note=note,
            **_actor_snapshot(actor, adoption.adopter),
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
