"""The adoption workflow: request, approve, reject, activate, end."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.i18n import active_language
from tenants import hooks
from tenants.models import Membership, Tenant, User
from tenants.notifications import Address, notify
from tenants.selectors import tenant_admins

from .. import selectors
from ..access import access_catalog_admin
from ..models import Adoption, AdoptionEvent, Agreement, CatalogApp, Release
from ..workflow import WORKFLOW as ADOPTION_WORKFLOW
from ..workflow import sides_for as adoption_sides_for
from .adopters import _system_close, adopters_recount
from .agreements import agreement_create
from .common import _actor_snapshot

Status = Adoption.Status


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
    for tenant, recipients in (
        (
            fresh.adopter,
            [*tenant_admins(fresh.adopter)]
            + (
                [Address(fresh.contact_email, fresh.contact_language)]
                if fresh.contact_email
                else []
            ),
        ),
        (fresh.app.publisher, tenant_admins(fresh.app.publisher)),
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
                    contact_language=active_language(),
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
