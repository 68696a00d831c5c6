"""Agreements between an app's owner and an adopter: recording, amending, confirming, ending."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.files import remember_stored
from core.storage import tenant_file_name
from tenants.models import Tenant, User
from tenants.notifications import notify
from tenants.selectors import tenant_admins

from ..access import access_agreement_party, access_catalog_admin
from ..models import Agreement, AgreementEvent
from ..uploads import validate_pdf
from .common import _actor_snapshot

# --- agreements ---------------------------------------------------------------------
#
# An agreement binds nobody until an administrator of the other party confirms
# it. Each proposal (the first recording, then every amendment) is a version in
# AgreementEvent, which nobody can rewrite; the Agreement row holds the terms in
# force, so a declined amendment leaves the confirmed version as it was.


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
        recipients=tenant_admins(party),
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
