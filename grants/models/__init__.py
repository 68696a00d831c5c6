"""Sabilulungan: grants (hibah) and social aid (bansos), in each adopting tenant's schema.

Money is integer rupiah everywhere (DESIGN invariant 4). Every state change of
a proposal goes through grants.services.proposal_transition, which appends a
hash-chained AuditEvent (invariant 3).
"""

from .applicants import (
    NIK_VALIDATOR,
    Applicant,
    RecipientAmendment,
    mask_name,
    mask_nik,
)
from .audit_events import AuditEvent, _audit_actions
from .citizen_reports import CitizenReport
from .common import upload_path
from .content import Announcement, Regulation
from .member_roles import MemberRole
from .programs import Program, ReviewStage
from .proposals import (
    PUBLIC_PROPOSALS,
    BudgetLine,
    Disbursement,
    Proposal,
    ProposalDocument,
    ProposalTotal,
    StageReview,
)

__all__ = [
    "Announcement",
    "Applicant",
    "AuditEvent",
    "BudgetLine",
    "CitizenReport",
    "Disbursement",
    "MemberRole",
    "NIK_VALIDATOR",
    "PUBLIC_PROPOSALS",
    "Program",
    "Proposal",
    "ProposalDocument",
    "ProposalTotal",
    "RecipientAmendment",
    "Regulation",
    "ReviewStage",
    "StageReview",
    "_audit_actions",
    "mask_name",
    "mask_nik",
    "upload_path",
]
