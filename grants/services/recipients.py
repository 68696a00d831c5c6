"""Applicants' profiles, and amendments of a recipient's data after an award.

Once an applicant has an approved proposal (approved or any later status),
changing its legal name, registration number or NIK, or its bank account, is an
amendment: kept with the values before and after (RecipientAmendment, for the
back office only) and written to the audit chain, whose public part says only
that recipient data was amended. A bank-account change also waits for a second
member's confirmation, and no disbursement is recorded until then.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.models import Membership, Tenant, User
from tenants.notifications import notify

from .. import audit
from ..access import CONFIRMING_ROLES, may_confirm_bank_changes
from ..models import Applicant, Proposal, RecipientAmendment
from ..places import home_region, place_fields
from ..roles import holders
from ..workflow import COMMITTED
from .actors import _refuse_nul, actor_in

IDENTITY_FIELDS = ("name", "registration_number", "nik")
BANK_FIELDS = ("bank_name", "bank_account", "bank_account_name")
Kind = RecipientAmendment.Kind


def awards(applicant_id) -> QuerySet[Proposal]:
    """The applicant's approved proposals (at or after approval), latest decision
    first: the first is where a change of the recipient's details is decided.
    `applicant_id` may be an OuterRef (grants/hosting.py's to-do list)."""
    return Proposal.objects.filter(
        applicant_id=applicant_id, status__in=COMMITTED
    ).order_by("-decided_at", "-pk")


def awarded_proposal(applicant_id: int) -> Proposal | None:
    """The applicant's latest approved proposal."""
    return awards(applicant_id).select_related("program").first()


def pending_bank_change(applicant_id: int) -> RecipientAmendment | None:
    return (
        RecipientAmendment.objects.filter(
            applicant_id=applicant_id, kind=Kind.BANK, status="pending"
        )
        .order_by("requested_at")
        .first()
    )


def applicant_save(*, user: User, **fields) -> Applicant:
    """Create or update the signed-in person's applicant profile.

    After an award, changes to identity or bank account are recorded as
    amendments (see the module's docstring) in the same transaction.
    """
    with transaction.atomic():
        applicant = Applicant.objects.select_for_update().filter(
            user_id=user.pk
        ).first() or Applicant(user_id=user.pk)
        existed = applicant.pk is not None
        tracked = IDENTITY_FIELDS + BANK_FIELDS
        before = {name: getattr(applicant, name) for name in tracked}
        fields |= place_fields(
            home_region(),
            fields.pop("kecamatan_code", applicant.kecamatan_code),
            fields.pop("kelurahan_code", applicant.kelurahan_code),
        )
        for name, value in fields.items():
            setattr(applicant, name, value.strip() if isinstance(value, str) else value)
        if applicant.kind == Applicant.Kind.INDIVIDUAL and not applicant.nik:
            raise ValidationError({"nik": [_("Individuals must give their NIK.")]})
        applicant.full_clean()
        applicant.save()
        awarded = awarded_proposal(applicant.pk) if existed else None
        if awarded is not None:
            for kind, names in (
                (Kind.IDENTITY, IDENTITY_FIELDS),
                (Kind.BANK, BANK_FIELDS),
            ):
                changed = [n for n in names if getattr(applicant, n) != before[n]]
                if changed:
                    _amend(
                        applicant=applicant,
                        proposal=awarded,
                        kind=kind,
                        before={n: before[n] for n in changed},
                        after={n: getattr(applicant, n) for n in changed},
                        user=user,
                    )
    return applicant


def _amend(*, applicant, proposal, kind, before, after, user) -> RecipientAmendment:
    amendment = RecipientAmendment.objects.create(
        applicant=applicant,
        kind=kind,
        before=before,
        after=after,
        status=(
            RecipientAmendment.Status.PENDING
            if kind == Kind.BANK
            else RecipientAmendment.Status.RECORDED
        ),
        requested_by_id=user.pk,
    )
    audit.append(
        action="recipient_amended",
        proposal=proposal,
        from_status=proposal.status,
        to_status=proposal.status,
        actor_role="applicant",
        actor_id=user.pk,
        private={
            "amendment": amendment.pk,
            "applicant": applicant.pk,
            "kind": kind,
            "before": before,
            "after": after,
        },
    )
    if kind == Kind.BANK:
        _notify_confirmers(proposal, requested_by=user.pk)
    return amendment


def _notify_confirmers(proposal: Proposal, *, requested_by: int) -> None:
    """Tell the members who may confirm a bank-account change that one waits.

    The e-mail names the proposal but not the accounts: those stay in the back office.
    """
    tenant = connection.tenant
    if not isinstance(tenant, Tenant):
        return
    members = Membership.objects.filter(tenant=tenant).exclude(user_id=requested_by)
    recipients = sorted(
        set(
            members.filter(
                Q(user_id__in=holders(*sorted(CONFIRMING_ROLES)))
                | Q(role=Membership.Role.ADMIN)
            ).values_list("user_id", flat=True)
        )
    )
    notify(
        recipients=recipients,
        tenant=tenant,
        kind="recipient_bank_change",
        subject=gettext_lazy("Confirm a recipient's new bank account: %(title)s"),
        sentence=gettext_lazy(
            "The recipient of the proposal “%(title)s” changed its bank account "
            "after the award; no disbursement can be recorded until a second "
            "member confirms or declines the change on the proposal's page."
        ),
        path=reverse(
            "grants_staff_proposal", args=[proposal.pk], urlconf="config.urls_tenant"
        ),
        params={"title": proposal.title[:80]},
    )


def amendment_decision_refusal(*, actor, amendment: RecipientAmendment) -> str:
    """Why this member may not confirm or decline the change ("" when they may)."""
    if not may_confirm_bank_changes(actor):
        return _(
            "Only a treasurer, a program manager or an administrator confirms this."
        )
    if actor.user.pk == amendment.requested_by_id:
        return _("You made this change, so a second member must confirm it.")
    return ""


def recipient_amendment_decide(
    *,
    tenant: Tenant,
    actor_user: User,
    amendment: RecipientAmendment,
    confirm: bool,
    reason: str = "",
) -> RecipientAmendment:
    """A second member confirms a bank-account change, or declines it (restoring
    the previous account)."""
    actor = actor_in(tenant, actor_user)
    reason = (reason or "").strip()
    _refuse_nul(reason=reason)
    if not confirm and not reason:
        raise ValidationError({"reason": [_("Say why the change is declined.")]})
    with transaction.atomic():
        amendment = RecipientAmendment.objects.select_for_update().get(pk=amendment.pk)
        refusal = amendment_decision_refusal(actor=actor, amendment=amendment)
        if refusal:
            raise PermissionDenied(refusal)
        if amendment.status != RecipientAmendment.Status.PENDING:
            raise ValidationError(_("This change was already decided."))
        applicant = Applicant.objects.select_for_update().get(pk=amendment.applicant_id)
        if not confirm and all(
            getattr(applicant, name) == value for name, value in amendment.after.items()
        ):
            # Nothing changed since: the previous account is in force again.
            for name, value in amendment.before.items():
                setattr(applicant, name, value)
            applicant.save(update_fields=list(amendment.before))
        amendment.status = (
            RecipientAmendment.Status.CONFIRMED
            if confirm
            else RecipientAmendment.Status.DECLINED
        )
        amendment.decided_by_id = actor_user.pk
        amendment.decided_at = timezone.now()
        amendment.reason = reason
        amendment.save(
            update_fields=["status", "decided_by_id", "decided_at", "reason"]
        )
        proposal = awarded_proposal(applicant.pk)
        audit.append(
            action="recipient_confirmed" if confirm else "recipient_declined",
            proposal=proposal,
            from_status=proposal.status if proposal else "",
            to_status=proposal.status if proposal else "",
            actor_role=next(iter(sorted(actor.roles & CONFIRMING_ROLES)), "")
            or "program_manager",
            actor_label=actor.label,
            actor_id=actor_user.pk,
            private={"amendment": amendment.pk, "reason": reason},
        )
    return amendment
