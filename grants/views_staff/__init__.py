"""The back office: work queues, programs and their stages, proposals and their steps,
citizens' reports, announcements and regulations.

One module per aggregate; this package re-exports the views, so grants/urls.py
keeps writing `staff.proposal_detail`:

- programs: the home page (work queues, set-up) and programs with their stages;
- fix_places: records whose kecamatan/kelurahan need a register name;
- proposal_steps: the proposal list and CSV, a proposal's page, steps, amendments;
- citizen_reports: citizens' reports;
- content: announcements and regulations.
"""

from .citizen_reports import report_detail, report_photo, reports
from .content import (
    announcement_form,
    announcements,
    regulation_form,
    regulations,
)
from .fix_places import place_fix, places
from .programs import home, program_detail, program_form, program_status
from .proposal_steps import (
    amendment_decide,
    proposal_action,
    proposal_detail,
    proposals,
    proposals_csv,
)

__all__ = [
    "amendment_decide",
    "announcement_form",
    "announcements",
    "home",
    "place_fix",
    "places",
    "program_detail",
    "program_form",
    "program_status",
    "proposal_action",
    "proposal_detail",
    "proposals",
    "proposals_csv",
    "regulation_form",
    "regulations",
    "report_detail",
    "report_photo",
    "reports",
]
