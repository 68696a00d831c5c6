"""Sabilulungan's forms, one module per aggregate; this package re-exports
them, so callers keep writing `from grants.forms import ProposalForm`:

- base: rupiah and date widgets, the kecamatan/kelurahan pair, its fix form;
- applicant: the applicant's profile, a proposal, its budget lines, documents;
- steps: each declared workflow step, line corrections, amendment decisions;
- programs: a program and its review stages;
- content: announcements and regulations;
- citizen_reports: sending, following and answering a citizen's report.
"""

from .applicant import (
    ApplicantForm,
    BaseBudgetLineFormSet,
    BudgetLineForm,
    BudgetLineFormSet,
    DocumentForm,
    ProposalForm,
)
from .base import (
    DATE_WIDGET,
    MAX_RUPIAH,
    RUPIAH_WIDGET,
    PlaceFieldsMixin,
    PlaceFixForm,
    rupiah_field,
)
from .citizen_reports import CitizenReportForm, ReportAnswerForm, TrackingCodeForm
from .content import AnnouncementForm, RegulationForm
from .programs import ProgramForm, StageForm, StageFormSet
from .steps import (
    STEP_INPUTS,
    AmendmentDecisionForm,
    LineCorrectionForm,
    PassForm,
    StepForm,
)

__all__ = [
    "DATE_WIDGET",
    "MAX_RUPIAH",
    "RUPIAH_WIDGET",
    "STEP_INPUTS",
    "AmendmentDecisionForm",
    "AnnouncementForm",
    "ApplicantForm",
    "BaseBudgetLineFormSet",
    "BudgetLineForm",
    "BudgetLineFormSet",
    "CitizenReportForm",
    "DocumentForm",
    "LineCorrectionForm",
    "PassForm",
    "PlaceFieldsMixin",
    "PlaceFixForm",
    "ProgramForm",
    "ProposalForm",
    "RegulationForm",
    "ReportAnswerForm",
    "StageForm",
    "StageFormSet",
    "StepForm",
    "TrackingCodeForm",
    "rupiah_field",
]
