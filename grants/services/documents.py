"""Uploads of a proposal's documents and reviewers' budget-line corrections."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenants.models import Tenant, User

from .. import audit
from ..access import access_step
from ..models import (
    Proposal,
    ProposalDocument,
)
from ..workflow import (
    APPLICANT,
    STAGE,
    WORKFLOW,
    uploads,
)
from .actors import actor_in

# Who may upload which document, and when: the transition that needs it.
UPLOAD_RULES = uploads()


def document_upload(
    *,
    tenant: Tenant,
    actor_user: User,
    proposal: Proposal,
    kind: str,
    upload,
    requirement: str = "",
) -> ProposalDocument:
    """Store a checked upload under the tenant's own prefix; a required document replaces
    the one uploaded before for the same requirement."""
    from ..uploads import sniff

    if kind not in UPLOAD_RULES:
        raise ValidationError(_("Unknown kind of document."))
    who, statuses = UPLOAD_RULES[kind]
    actor = actor_in(tenant, actor_user)
    if who == APPLICANT:
        if proposal.applicant.user_id != actor_user.pk:
            raise PermissionDenied(_("Only the applicant uploads this document."))
    else:
        access_step(actor, who, proposal)
    if proposal.status not in statuses:
        raise ValidationError(_("This document cannot be uploaded at this step."))
    if (
        kind == ProposalDocument.Kind.REQUIRED
        and requirement not in proposal.program.required_documents
    ):
        raise ValidationError(_("The program does not ask for this document."))
    content_type = sniff(upload)
    document = ProposalDocument(
        proposal=proposal,
        kind=kind,
        requirement=requirement,
        content_type=content_type,
        size=upload.size,
        uploaded_by_id=actor_user.pk,
    )
    try:
        with transaction.atomic():
            if kind == ProposalDocument.Kind.REQUIRED:
                for old in proposal.documents.filter(
                    kind=kind, requirement=requirement
                ):
                    transaction.on_commit(
                        lambda name=old.file.name, storage=old.file.storage: (
                            storage.delete(name)
                        )
                    )
                    old.delete()
            document.file.save("upload", upload, save=False)
            document.save()
    except BaseException:
        # Refused after the file was stored: the file goes with the row that
        # was not written (what an outer rollback leaves, cleanup_uploads takes).
        if document.file.name:
            document.file.storage.delete(document.file.name)
        raise
    return document


def budget_lines_correct(
    *,
    tenant: Tenant,
    actor_user: User,
    proposal: Proposal,
    corrections: dict[int, tuple],
) -> Proposal:
    """The reviewer of the current stage corrects quantities and unit costs of lines."""
    actor = actor_in(tenant, actor_user)
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("stage", "applicant")
            .get(pk=proposal.pk)
        )
        if proposal.stage is None or not any(
            t.actor == STAGE for t in WORKFLOW.from_state(proposal.status)
        ):
            raise ValidationError(_("Budget lines are corrected during review only."))
        access_step(actor, proposal.stage.role, proposal)
        lines = {line.pk: line for line in proposal.lines.all()}
        for line_id, (quantity, unit_cost) in corrections.items():
            line = lines.get(line_id)
            if line is None:
                raise ValidationError(
                    _("That budget line is not part of this proposal.")
                )
            if (
                quantity is not None
                and quantity < 0
                or unit_cost is not None
                and unit_cost < 0
            ):
                raise ValidationError(_("Quantities and costs cannot be negative."))
            line.corrected_quantity = quantity
            line.corrected_unit_cost = unit_cost
            line.corrected_stage = proposal.stage.name if line.is_corrected else ""
            line.save(
                update_fields=[
                    "corrected_quantity",
                    "corrected_unit_cost",
                    "corrected_stage",
                ]
            )
        corrected = sum(line.corrected_total for line in lines.values())
        audit.append(
            action="correct_budget",
            proposal=proposal,
            from_status=proposal.status,
            to_status=proposal.status,
            stage=proposal.stage.name,
            actor_role=proposal.stage.role,
            actor_label=actor.label,
            actor_id=actor.user.pk,
            amounts={"requested": proposal.requested_amount, "corrected": corrected},
        )
    return proposal
