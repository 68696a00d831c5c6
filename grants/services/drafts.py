"""An applicant's draft proposal and its budget lines, before and between reviews."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.models import User

from ..models import (
    Applicant,
    BudgetLine,
    Program,
    Proposal,
)
from ..places import home_region, place_fields
from ..workflow import (
    EDITABLE,
)


def proposal_save_draft(
    *,
    user: User,
    program: Program,
    proposal: Proposal | None = None,
    lines: list[dict],
    **fields,
) -> Proposal:
    """Create or edit a draft (or a proposal returned for revision) with its budget lines."""
    applicant = Applicant.objects.filter(user_id=user.pk).first()
    if applicant is None:
        raise ValidationError(_("Complete your applicant profile first."))
    applicant_kind_check(program=program, applicant=applicant)
    with transaction.atomic():
        if proposal is None:
            proposal = Proposal(program=program, applicant=applicant)
        else:
            proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if proposal.applicant_id != applicant.pk:
                raise PermissionDenied(_("This is not your proposal."))
            if proposal.status not in EDITABLE:
                raise ValidationError(
                    _("Only drafts and returned proposals can be edited.")
                )
        fields |= place_fields(
            home_region(),
            fields.pop("kecamatan_code", proposal.kecamatan_code),
            fields.pop("kelurahan_code", proposal.kelurahan_code),
        )
        for name, value in fields.items():
            setattr(proposal, name, value.strip() if isinstance(value, str) else value)
        if not lines:
            raise ValidationError({"lines": [_("Add at least one budget line.")]})
        proposal.requested_amount = sum(
            int(line["quantity"]) * int(line["unit_cost"]) for line in lines
        )
        proposal.updated_at = timezone.now()
        proposal.full_clean(exclude=["stage"])
        proposal.save()
        proposal.lines.all().delete()
        BudgetLine.objects.bulk_create(
            BudgetLine(
                proposal=proposal,
                position=i,
                item=line["item"],
                quantity=int(line["quantity"]),
                unit_cost=int(line["unit_cost"]),
            )
            for i, line in enumerate(lines)
        )
    return proposal


def applicant_kind_check(*, program: Program, applicant: Applicant) -> None:
    """An individual cannot apply to an organisations-only program, nor the reverse."""
    refusal = program.refusal_for(applicant.kind)
    if refusal:
        raise ValidationError(refusal, code="applicant_kind")
