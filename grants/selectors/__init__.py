"""Public reads of Sabilulungan: the transparency portal (no login).

Everything here is what anyone may see (DESIGN invariant 5). Querysets load
only the columns a public page shows, so an applicant's NIK, address and bank
details never even leave the database; totals are SQL aggregates, lists are
paginated, and a page's query count does not grow with its rows.

One module per aggregate; this package re-exports their names, so callers
keep writing `selectors.proposal_page(...)`:

- public: what is public (programs, proposals, columns) and the grouped totals;
- portal: the home page, program pages, statistics, announcements, regulations;
- proposal_list: the proposal list's filters, paginator and pages;
- proposal_timeline: one proposal's progress, timeline and page;
- citizen_reports: citizens' reports (tracking page, staff queue, counts);
- places: records whose kecamatan/kelurahan lack register codes;
- staff: who acts next, the duplicate-NIK warning, the tenant's administrators;
- report_deadlines: accountability report (LPJ) deadlines.
"""

from .citizen_reports import (
    REPORT_STATUS_ORDER,
    report_counts,
    report_public,
    report_queue,
    report_summary,
)
from .places import MAX_PLACES_TO_FIX, places_to_fix, places_to_fix_count
from .portal import (
    MAX_KECAMATAN_ROWS,
    ProgramDetail,
    Statistics,
    announcement_page,
    portal_overview,
    portal_statistics,
    program_detail,
    public_announcements,
    public_regulations,
)
from .proposal_list import (
    SEARCH_COUNT_CAP,
    CappedPaginator,
    ProposalFilters,
    parse_rupiah,
    proposal_filter_options,
    proposal_page,
)
from .proposal_timeline import (
    AMOUNT_LABELS,
    ProgressStep,
    ProposalDetail,
    TimelineEntry,
    proposal_detail,
    proposal_progress,
)
from .public import (
    _FIGURE_NAMES,
    PAGE_SIZE,
    Status,
    _grouped,
    _grouped_totals,
    _totals_of,
    kecamatan_name,
    public_programs,
    public_proposals,
)
from .report_deadlines import report_due_for, report_due_on, reports_overdue
from .staff import (
    MAX_NIK_MATCHES,
    nik_warning,
    queue_for,
    tenant_admins,
    waiting_for,
)

__all__ = [
    "AMOUNT_LABELS",
    "MAX_KECAMATAN_ROWS",
    "MAX_NIK_MATCHES",
    "MAX_PLACES_TO_FIX",
    "PAGE_SIZE",
    "REPORT_STATUS_ORDER",
    "SEARCH_COUNT_CAP",
    "CappedPaginator",
    "ProgramDetail",
    "ProgressStep",
    "ProposalDetail",
    "ProposalFilters",
    "Statistics",
    "Status",
    "TimelineEntry",
    # The grouped totals' helpers, for tests/grants/test_totals.py.
    "_FIGURE_NAMES",
    "_grouped",
    "_grouped_totals",
    "_totals_of",
    "announcement_page",
    "kecamatan_name",
    "nik_warning",
    "parse_rupiah",
    "places_to_fix",
    "places_to_fix_count",
    "portal_overview",
    "portal_statistics",
    "program_detail",
    "proposal_detail",
    "proposal_filter_options",
    "proposal_page",
    "proposal_progress",
    "public_announcements",
    "public_programs",
    "public_proposals",
    "public_regulations",
    "queue_for",
    "report_counts",
    "report_due_for",
    "report_due_on",
    "report_public",
    "report_queue",
    "report_summary",
    "reports_overdue",
    "tenant_admins",
    "waiting_for",
]
