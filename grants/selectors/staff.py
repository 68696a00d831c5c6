"""The back office: who acts next, the duplicate-NIK warning, the administrators."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ..models import Applicant, Proposal, mask_nik
from ..workflow import COMMITTED, STAFF_ACTORS, STAGE, WORKFLOW


def waiting_for(actor) -> Q:
    """Proposals whose next step belongs to one of the actor's roles: the
    declared transitions their roles take (a review stage naming one of them,
    or a fixed role), with each transition's guard (more tranches only until
    the approved amount is paid)."""
    roles = frozenset(actor.roles) & STAFF_ACTORS
    query = Q(pk__in=[])
    for t in WORKFLOW.transitions:
        if t.actor == STAGE:
            where = Q(status__in=t.sources, stage__role__in=roles)
        elif t.actor in roles:
            where = Q(status__in=t.sources)
        else:
            continue
        if t.guard is not None and t.guard.query is not None:
            where &= t.guard.query
        query |= where
    return query


# --- duplicate NIK, for the staff -------------------------------------------------

# The warning names at most this many other applicants and grants.
MAX_NIK_MATCHES = 10


def nik_warning(proposal: Proposal) -> dict | None:
    """Other applicants of this tenant with the applicant's NIK, and the grants
    that NIK already got in the program's fiscal year (this proposal aside), or
    None when there is nothing to warn of. The NIK itself comes masked."""
    applicant = proposal.applicant
    nik = applicant.nik
    if not nik:
        return None
    others = list(
        Applicant.objects.filter(nik=nik)
        .exclude(pk=applicant.pk)
        .order_by("pk")
        .values("pk", "name", "kind")[:MAX_NIK_MATCHES]
    )
    granted = list(
        Proposal.objects.filter(
            applicant__nik=nik,
            status__in=COMMITTED,
            program__fiscal_year=proposal.program.fiscal_year,
        )
        .exclude(pk=proposal.pk)
        .select_related("program", "applicant")
        .only(
            "id",
            "title",
            "approved_amount",
            "status",
            "program__id",
            "program__name",
            "program__kind",
            "program__fiscal_year",
            "applicant__id",
            "applicant__name",
        )
        .order_by("pk")[:MAX_NIK_MATCHES]
    )
    if not others and not granted:
        return None
    return {
        "masked_nik": mask_nik(nik),
        "others": others,
        "granted": granted,
        "fiscal_year": proposal.program.fiscal_year,
    }


def queue_for(actor) -> QuerySet[Proposal]:
    """The proposals waiting for this member's next step, never their own: the
    one place the back office's queue and the to-do list ask "who acts next"
    (`waiting_for` answers it from the declared workflow)."""
    if not actor.roles:
        return Proposal.objects.none()
    return Proposal.objects.filter(waiting_for(actor)).exclude(
        applicant__user_id=actor.user.pk
    )


def tenant_admins(tenant) -> list:
    """The tenant's administrators (who give roles), oldest first, at most five."""
    from tenants.models import Membership

    return [
        m.user
        for m in Membership.objects.filter(tenant=tenant, role=Membership.Role.ADMIN)
        .select_related("user")
        .order_by("created_at", "pk")[:5]
    ]
