"""Who may see which grant data and take which step: Sabilulungan's one access module.

Actor-based checks (`access_step`, `access_program_management`) take the
acting official (grants.services.Actor: user, Sabilulungan roles, admin or
not) and are what services call; the request-based ones below are what views
call, and answer 404 for rows the caller may not see.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from tenants.access import request_membership
from tenants.models import Membership

from .models import Applicant, Proposal, ProposalDocument, RecipientAmendment
from .roles import GrantRole


def proposal_roles(actor, proposal) -> frozenset[str]:
    """The roles the actor holds towards this proposal: the applicant's own, or
    their grant roles — nobody reviews, corrects, approves or pays their own
    proposal."""
    from .workflow import APPLICANT, STAFF_ACTORS

    if proposal.applicant.user_id == actor.user.pk:
        return frozenset({APPLICANT})
    return frozenset(actor.roles) & STAFF_ACTORS


def access_step(actor, role: str, proposal):
    """The actor, when they hold `role` towards `proposal` (the step it waits
    for; never on their own proposal); else 403."""
    if role not in proposal_roles(actor, proposal):
        if proposal.applicant.user_id == actor.user.pk:
            raise PermissionDenied(_("Your role does not take this step."))
        raise PermissionDenied(
            _("This step needs the role “%(role)s”.") % {"role": GrantRole(role).label}
        )
    return actor


def access_program_management(actor):
    """The actor, when they manage programs and public pages (program managers
    and the tenant's administrators); else 403."""
    if not (actor.is_admin or GrantRole.PROGRAM_MANAGER in actor.roles):
        raise PermissionDenied(
            _("Only program managers and administrators may do this.")
        )
    return actor


def may_answer_reports(actor) -> bool:
    """Citizen reports are answered by any Sabilulungan role or an administrator."""
    return bool(actor.roles) or actor.is_admin


# Who confirms a bank-account change: the roles that may disburse or manage.
CONFIRMING_ROLES = frozenset({GrantRole.TREASURER, GrantRole.PROGRAM_MANAGER})


def may_confirm_bank_changes(actor) -> bool:
    """A treasurer, a program manager or an administrator confirms (or declines)
    a recipient's bank-account change made by somebody else."""
    return actor.is_admin or bool(actor.roles & CONFIRMING_ROLES)


# Who chases accountability reports (LPJ): the OPD that accepts them, and
# program managers.
REPORT_FOLLOW_UP_ROLES = frozenset({GrantRole.OPD, GrantRole.PROGRAM_MANAGER})


def may_follow_up_reports(actor) -> bool:
    return bool(actor.roles & REPORT_FOLLOW_UP_ROLES)


# Members who work in the back office (auditors read everything there).
STAFF_ROLES = frozenset(
    {Membership.Role.ADMIN, Membership.Role.STAFF, Membership.Role.AUDITOR}
)


def is_staff(request) -> bool:
    membership = request_membership(request)
    return membership is not None and membership.role in STAFF_ROLES


def access_staff(request) -> Membership:
    membership = request_membership(request)
    if membership is None or membership.role not in STAFF_ROLES:
        raise PermissionDenied(_("The back office is for this organisation's staff."))
    return membership


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.membership = access_staff(request)
        return view(request, *args, **kwargs)

    return wrapper


def applicant_required(view):
    """Signed in on this host; applicants need no membership."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def own_applicant(request) -> Applicant | None:
    return Applicant.objects.filter(user_id=request.user.pk).first()


def access_own_proposal(request, proposal_id: int) -> Proposal:
    """A proposal of the signed-in applicant; 404 for anyone else's."""
    proposal = (
        Proposal.objects.select_related("program", "stage", "applicant")
        .filter(pk=proposal_id, applicant__user_id=request.user.pk)
        .first()
    )
    if proposal is None:
        raise Http404(_("You have no proposal with this number."))
    return proposal


def access_staff_proposal(request, proposal_id: int) -> Proposal:
    access_staff(request)
    proposal = (
        Proposal.objects.select_related("program", "stage", "applicant")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise Http404(_("No such proposal."))
    return proposal


def access_amendment(proposal: Proposal, amendment_id: int) -> RecipientAmendment:
    """An amendment of this proposal's recipient (after access_staff_proposal); 404 otherwise."""
    amendment = RecipientAmendment.objects.filter(
        pk=amendment_id, applicant_id=proposal.applicant_id
    ).first()
    if amendment is None:
        raise Http404(_("No such change of the recipient's data."))
    return amendment


def access_document(request, document_id: int) -> ProposalDocument:
    """Documents are private: the applicant who owns them and the back office only."""
    document = (
        ProposalDocument.objects.select_related("proposal__applicant")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise Http404
    if document.proposal.applicant.user_id == request.user.pk or is_staff(request):
        return document
    raise Http404


PLACE_RECORDS = {"applicant": Applicant, "proposal": Proposal}


def access_place_record(request, kind: str, record_id: int) -> Applicant | Proposal:
    """An applicant or proposal of this tenant whose place a staff member may look at."""
    access_staff(request)
    model = PLACE_RECORDS.get(kind)
    record = model.objects.filter(pk=record_id).first() if model else None
    if record is None:
        raise Http404(_("No such applicant or proposal."))
    return record
