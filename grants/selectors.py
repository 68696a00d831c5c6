"""Public reads of Sabilulungan: the transparency portal (no login).

Everything here is what anyone may see (DESIGN invariant 5). Querysets load
only the columns a public page shows, so an applicant's NIK, address and bank
details never even leave the database; totals are SQL aggregates, lists are
paginated, and a page's query count does not grow with its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from tenants import register
from tenants.selectors import clean_param

from .models import (
    PUBLIC_PROPOSALS,
    Announcement,
    Applicant,
    AuditEvent,
    BudgetLine,
    CitizenReport,
    Disbursement,
    Program,
    Proposal,
    ProposalTotal,
    Regulation,
    ReviewStage,
    mask_nik,
)
from .workflow import (
    COMMITTED,
    PUBLIC_NOTE_ACTIONS,
    REPORT_IN,
    STAFF_ACTORS,
    STAGE,
    WORKFLOW,
    progress_state,
    public_statuses,
)

PAGE_SIZE = 20
Status = Proposal.Status

# Bounds for query-string numbers: PostgreSQL's bigint and a sane fiscal year.
_MAX_BIGINT = 2**63 - 1
_YEARS = range(1900, 10000)


# --- what is public -----------------------------------------------------------------


def public_programs() -> QuerySet[Program]:
    """Programs the public may see: every program once it left the draft state."""
    return Program.objects.exclude(status=Program.Status.DRAFT)


def public_proposals() -> QuerySet[Proposal]:
    """Proposals that were submitted at least once; drafts are the applicant's own."""
    return Proposal.objects.filter(PUBLIC_PROPOSALS)


# Amounts summed per group of public proposals; one grouped query feeds every
# total on a page (an index-only scan with grants_proposal_public_totals).
_GROUP_SUMS = {
    "n": Count("*"),
    "requested": Sum("requested_amount", default=0),
    "approved": Sum("approved_amount", default=0),
    "disbursed": Sum("disbursed_amount", default=0),
    "spent": Sum("spent_amount", default=0),
}


def _grouped(proposals: QuerySet[Proposal], *keys: str) -> list[dict]:
    """Rows of (keys…, status) with counts and sums: few rows whatever the proposals."""
    return list(proposals.order_by().values(*keys, "status").annotate(**_GROUP_SUMS))


_FIGURE_NAMES = tuple(_GROUP_SUMS)


def _grouped_totals(*keys: str, **filters) -> list[dict]:
    """What _grouped(public_proposals().filter(**filters), *keys) returns, read
    from the totals the database keeps (grants/totals.py): a few hundred rows
    to add up, whatever the number of proposals."""
    rows = (
        ProposalTotal.objects.filter(**filters)
        .exclude(n=0)
        .order_by()
        .values(*keys, "status")
        .annotate(**{f"total_{name}": Sum(name) for name in _FIGURE_NAMES})
    )
    return [
        {
            **{key: row[key] for key in (*keys, "status")},
            **{name: row[f"total_{name}"] for name in _FIGURE_NAMES},
        }
        for row in rows
    ]


def kecamatan_name(code: str, text: str) -> str:
    """The register's name of a kecamatan code; the old free text where there is no code.

    Tables group by this, so every spelling of one kecamatan counts under its
    register name (and its link filters the proposal list by that name)."""
    district = register.region(code) if code else None
    return district.name if district is not None else text


def _totals_of(rows) -> dict:
    """The public figures of a set of grouped rows (see _grouped)."""
    totals = {
        "proposal_count": 0,
        "requested": 0,
        "approved": 0,
        "approved_count": 0,
        "disbursed": 0,
        "reported": 0,
        "reported_count": 0,
    }
    for row in rows:
        totals["proposal_count"] += row["n"]
        totals["requested"] += row["requested"]
        totals["disbursed"] += row["disbursed"]
        if row["status"] in COMMITTED:
            totals["approved"] += row["approved"]
            totals["approved_count"] += row["n"]
        if row["status"] in REPORT_IN:
            totals["reported"] += row["spent"]
            totals["reported_count"] += row["n"]
    return totals


def _by(rows, key: str) -> dict:
    groups: dict = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups


# --- portal home and program pages ---------------------------------------------------


def portal_overview(*, page: str | None = None) -> dict:
    """Totals over every public program, and one page of programs with their totals.

    Three queries whatever the number of programs and proposals: the budget sum
    (which also counts the programs for the paginator), the proposals grouped
    by program and status, and the page of programs.
    """
    budget = public_programs().aggregate(
        budget=Sum("budget", default=0), programs=Count("pk")
    )
    rows = _grouped_totals("program_id")
    per_program = _by(rows, "program_id")
    paginator = Paginator(
        public_programs().order_by("-fiscal_year", "name", "pk"), PAGE_SIZE
    )
    paginator.count = budget["programs"]
    result = paginator.get_page(clean_param(page, 20) or None)
    for program in result.object_list:
        for key, value in _totals_of(per_program.get(program.pk, [])).items():
            setattr(program, key, value)
    return {"totals": {**budget, **_totals_of(rows)}, "page": result}


@dataclass
class ProgramDetail:
    program: Program
    stages: list[ReviewStage]
    by_status: list[dict]
    by_kecamatan: list[dict]


def program_detail(program_id: int) -> ProgramDetail | None:
    """A program with its totals, counts by status and by kecamatan: three queries."""
    program = public_programs().filter(pk=program_id).first()
    if program is None:
        return None
    rows = _grouped_totals("kecamatan_code", "kecamatan", program_id=program.pk)
    for row in rows:
        row["kecamatan"] = kecamatan_name(row["kecamatan_code"], row["kecamatan"])
    for key, value in _totals_of(rows).items():
        setattr(program, key, value)
    statuses = _by(rows, "status")
    by_status = [
        {
            "status": value,
            "label": label,
            "count": sum(row["n"] for row in statuses[value]),
            "requested": sum(row["requested"] for row in statuses[value]),
        }
        for value, label in public_statuses()
        if value in statuses
    ]
    by_kecamatan = sorted(
        (
            {"kecamatan": name, **_totals_of(group)}
            for name, group in _by(rows, "kecamatan").items()
        ),
        key=lambda row: (-row["proposal_count"], row["kecamatan"]),
    )
    stages = list(program.stages.only("id", "program_id", "position", "name", "role"))
    return ProgramDetail(
        program=program,
        stages=stages,
        by_status=by_status,
        by_kecamatan=by_kecamatan,
    )


# --- the proposal list --------------------------------------------------------------


def _text(params, name: str, limit: int = 100) -> str:
    return clean_param(params.get(name, ""), limit)


def _positive_int(value: str, *, maximum: int = _MAX_BIGINT) -> int | None:
    """A whole number from the query string, or None when it is not one."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    number = int(value)
    return number if number <= maximum else None


def parse_rupiah(value: str) -> int | None:
    """'1.500.000', 'Rp 1 500 000' or '1500000' → 1500000; anything else → None."""
    value = value.lower().removeprefix("rp").strip()
    for separator in (".", " ", "_", "\u00a0"):
        value = value.replace(separator, "")
    return _positive_int(value)


@dataclass
class ProposalFilters:
    """The public list's filters, read safely from a query string (bad values are ignored)."""

    q: str = ""
    status: str = ""
    stage: str = ""
    kecamatan: str = ""
    amount_min: int | None = None
    amount_max: int | None = None
    program: int | None = None
    year: int | None = None
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params) -> ProposalFilters:
        filters = cls(
            q=_text(params, "q", 200),
            stage=_text(params, "stage", 200),
            kecamatan=_text(params, "kecamatan"),
        )
        status = _text(params, "status", 30)
        if status in WORKFLOW.public_keys():
            filters.status = status
        elif status:
            filters.ignored.append("status")
        for name, parse in (
            ("amount_min", parse_rupiah),
            ("amount_max", parse_rupiah),
            ("program", _positive_int),
            ("year", _positive_int),
        ):
            raw = _text(params, name, 40)
            value = parse(raw) if raw else None
            if name == "year" and value is not None and value not in _YEARS:
                value = None
            if raw and value is None:
                filters.ignored.append(name)
            setattr(filters, name, value)
        return filters

    FIELDS: ClassVar[tuple[str, ...]] = (
        "q",
        "status",
        "stage",
        "kecamatan",
        "amount_min",
        "amount_max",
        "program",
        "year",
    )

    def as_params(self) -> dict:
        """The filters in force (valid values only), e.g. for pagination links."""
        return {
            name: getattr(self, name)
            for name in self.FIELDS
            if getattr(self, name) not in ("", None)
        }

    @property
    def querystring(self) -> str:
        return urlencode(self.as_params())

    @property
    def is_active(self) -> bool:
        return bool(self.as_params())

    def apply(
        self, proposals: QuerySet[Proposal], *, year: bool = True
    ) -> QuerySet[Proposal]:
        """The filters on `proposals` (`year=False`: all but the fiscal year)."""
        if self.q:
            # Organisations may be found by name; individuals never are, or a
            # search would confirm that a named person receives social aid.
            # Both sides can use a trigram index (the OR of two index scans).
            organisations = Applicant.objects.filter(
                kind="organisation", name__icontains=self.q
            ).values("pk")
            proposals = proposals.filter(
                Q(title__icontains=self.q) | Q(applicant_id__in=organisations)
            )
        if self.status:
            proposals = proposals.filter(status=self.status)
        if self.stage:
            proposals = proposals.filter(stage__name=self.stage)
        if self.kecamatan:
            proposals = proposals.filter(kecamatan=self.kecamatan)
        if self.amount_min is not None:
            proposals = proposals.filter(requested_amount__gte=self.amount_min)
        if self.amount_max is not None:
            proposals = proposals.filter(requested_amount__lte=self.amount_max)
        if self.program is not None:
            proposals = proposals.filter(program_id=self.program)
        if year and self.year is not None:
            proposals = proposals.filter(program__fiscal_year=self.year)
        return proposals


# Columns a public list or detail row may load; nothing private is among them.
_PROPOSAL_COLUMNS = (
    "id",
    "title",
    "status",
    "kecamatan",
    "requested_amount",
    "recommended_amount",
    "approved_amount",
    "disbursed_amount",
    "spent_amount",
    "stage_id",
    "submitted_at",
    "decided_at",
    "updated_at",
    "program__id",
    "program__name",
    "program__kind",
    "program__fiscal_year",
    "program__status",
    "applicant__id",
    "applicant__kind",
    "applicant__name",
)
_STAGE_COLUMNS = ("id", "program_id", "position", "name")


def _public_rows() -> QuerySet[Proposal]:
    return (
        public_proposals()
        .select_related("program", "applicant")
        .only(*_PROPOSAL_COLUMNS)
    )


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP matches: an exact count of 100,000 rows on every
    page view would cost more than the page itself. Past the cap the page says
    "more than", and the filters narrow the list.

    `fetch(bottom, top)`, when given, loads a page's rows instead of slicing
    the queryset (see proposal_page)."""

    COUNT_CAP = 10_000

    def __init__(self, object_list, per_page, *, fetch=None, count_cap=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.fetch = fetch
        if count_cap is not None:
            self.COUNT_CAP = count_cap

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.COUNT_CAP

    def page(self, number):
        if self.fetch is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return self._get_page(self.fetch(bottom, top), number, self)


_NEWEST_FIRST = ("-updated_at", "-pk")
SEARCH_COUNT_CAP = 1_000


def _page_ids(filters: ProposalFilters, bottom: int, top: int) -> list[int]:
    """Ids of the matching proposals bottom..top, newest first (one query).

    Read from an index in list order (grants_proposal_public_recent, or the
    per-status and per-program ones): only the ids, so a deep page skips
    index entries, not rows. A fiscal year is a set of programs, whose
    proposals interleave in time: the newest `top` of each program come from
    its own index (grants_proposal_public_pr_rec, one LATERAL probe per
    program of that year) and are merged, instead of walking the whole list
    until the year's proposals turn up, or sorting all of them.
    """
    if top <= bottom:
        return []
    if filters.year is None or filters.program is not None:
        matching = filters.apply(public_proposals())
        return list(
            matching.order_by(*_NEWEST_FIRST).values_list("pk", flat=True)[bottom:top]
        )
    per_program = (
        filters.apply(public_proposals(), year=False)
        .filter(program_id=RawSQL('"year_program"."id"', ()))
        .order_by(*_NEWEST_FIRST)
        .values_list("pk", "updated_at")[:top]
    )
    inner, params = per_program.query.sql_with_params()
    program_table = connection.ops.quote_name(Program._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT newest.id FROM {program_table} AS year_program"
            f" CROSS JOIN LATERAL ({inner}) AS newest(id, updated_at)"
            " WHERE year_program.fiscal_year = %s"
            " ORDER BY newest.updated_at DESC, newest.id DESC LIMIT %s OFFSET %s",
            [*params, filters.year, top - bottom, bottom],
        )
        return [row[0] for row in cursor.fetchall()]


def proposal_page(filters: ProposalFilters, *, page: str | None = None) -> Page:
    """One page of matching proposals, each with `progress` (four queries in all:
    the capped count, the page's ids, their rows, the stages of their programs).

    The stages of every program on the page come in one prefetch, so drawing
    each row's progress costs no query of its own.
    """
    rows = _public_rows().prefetch_related(
        Prefetch(
            "program__stages",
            queryset=ReviewStage.objects.only(*_STAGE_COLUMNS).order_by("position"),
        )
    )

    def fetch(bottom: int, top: int) -> list[Proposal]:
        ids = _page_ids(filters, bottom, top)
        if not ids:
            return []
        by_id = {proposal.pk: proposal for proposal in rows.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]

    paginator = CappedPaginator(
        filters.apply(public_proposals()).order_by(*_NEWEST_FIRST),
        PAGE_SIZE,
        fetch=fetch,
        # A word no index orders by date: counting 10,000 matches walks the
        # list until that many turned up (issue 16), 1,000 a tenth of that.
        count_cap=SEARCH_COUNT_CAP if filters.q else None,
    )
    result = paginator.get_page(clean_param(page, 20) or None)
    for proposal in result.object_list:
        proposal.progress = proposal_progress(
            proposal, list(proposal.program.stages.all())
        )
    return result


def proposal_filter_options() -> dict:
    """Choices for the filter form (three small queries: programs, stages, kecamatan)."""
    programs = list(
        public_programs()
        .only("id", "name", "fiscal_year")
        .order_by("-fiscal_year", "name")[:200]
    )
    stages = list(
        ReviewStage.objects.filter(program__in=public_programs())
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()[:200]
    )
    with connection.cursor() as cursor:
        # A loose index scan over grants_proposal_kecamatan: one probe per distinct
        # name instead of reading every proposal.
        cursor.execute(
            """
            WITH RECURSIVE k(kecamatan) AS (
              (SELECT kecamatan FROM grants_proposal
               WHERE status <> 'draft' AND submitted_at IS NOT NULL
               ORDER BY kecamatan LIMIT 1)
              UNION ALL
              SELECT (SELECT p.kecamatan FROM grants_proposal p
                      WHERE p.kecamatan > k.kecamatan AND p.status <> 'draft'
                        AND p.submitted_at IS NOT NULL
                      ORDER BY p.kecamatan LIMIT 1)
              FROM k WHERE k.kecamatan IS NOT NULL)
            SELECT kecamatan FROM k WHERE kecamatan IS NOT NULL LIMIT 200
            """
        )
        kecamatan = [row[0] for row in cursor.fetchall()]
    return {
        "programs": programs,
        "years": sorted({p.fiscal_year for p in programs}, reverse=True),
        "stages": stages,
        "kecamatan": kecamatan,
        "statuses": public_statuses(),
    }


# --- a proposal's progress through the stages ---------------------------------------


@dataclass(frozen=True)
class ProgressStep:
    label: str
    state: str  # "done", "current", "failed" or "pending"
    state_label: str


_STATE_LABELS = {
    "done": _("done"),
    "current": _("current step"),
    "pending": _("not reached"),
}


def proposal_progress(
    proposal: Proposal, stages: list[ReviewStage]
) -> list[ProgressStep]:
    """Every step from submission to the report check, each done, current, failed
    or pending: the declaration's frame (grants/workflow.py) with the program's
    review stages (`stages`, in order) in place of the review."""
    position = {s.pk: i for i, s in enumerate(stages)}
    state = WORKFLOW.state(proposal.status)
    stopped_at = None
    if state.failure:
        # A rejection or withdrawal keeps the stage it happened at; none means
        # approval (the frame's step after the review).
        review = WORKFLOW.frame.index(WORKFLOW.stages_at)
        stopped_at = (
            review + position[proposal.stage_id]
            if proposal.stage_id in position
            else review + max(len(stages), 1)
        )
    frame = WORKFLOW.progress(
        progress_state(proposal),
        stages=[s.name for s in stages],
        stage_index=position.get(proposal.stage_id, 0),
        stopped_at=stopped_at,
    )
    steps = []
    for label, marker in frame:
        if marker == "failed":
            state_label = _("stopped here: %(state)s") % {
                "state": str(state.public_label).lower()
            }
        elif marker == "current" and state.at:
            state_label = str(state.public_label).lower()
        else:
            state_label = _STATE_LABELS[marker]
        steps.append(ProgressStep(label=label, state=marker, state_label=state_label))
    return steps


# --- one proposal in public ---------------------------------------------------------


AMOUNT_LABELS = {
    "requested": _("Requested"),
    "corrected": _("Corrected budget"),
    "recommended": _("Recommended"),
    "approved": _("Approved"),
    "program_committed": _("Program total approved so far"),
    "disbursed": _("Disbursed in this tranche"),
    "disbursed_total": _("Disbursed so far"),
    "spent": _("Spent (LPJ)"),
}
# Scheme v2 events publish only notes their author marked public (the others
# are in the private part). Of the v1 events written before, only the public
# reasons (Proposal.public_reason) are shown here; their other notes stay in
# audit.jsonl, where they were already published.


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    label: str
    stage: str
    actor_role: str
    actor_label: str
    amounts: list[tuple[str, int]]
    tranche: int | None
    note: str


def _role_label(role: str) -> str:
    return str(WORKFLOW.actor_label(role))


def _timeline_entry(event: AuditEvent) -> TimelineEntry:
    amounts = event.amounts if isinstance(event.amounts, dict) else {}
    tranche = amounts.get("tranche")
    # Officials are public by name, but never by an e-mail address (a user
    # without a full name is labelled with their e-mail by get_full_name()).
    label = event.actor_label if "@" not in event.actor_label else ""
    return TimelineEntry(
        at=event.at,
        action=event.action,
        label=str(WORKFLOW.done_label(event.action)),
        stage=event.stage,
        actor_role=_role_label(event.actor_role),
        actor_label=label,
        amounts=[
            (str(AMOUNT_LABELS[key]), amounts[key])
            for key in AMOUNT_LABELS
            if isinstance(amounts.get(key), int)
        ],
        tranche=tranche if isinstance(tranche, int) else None,
        note=event.note if event.v >= 2 or event.action in PUBLIC_NOTE_ACTIONS else "",
    )


@dataclass
class ProposalDetail:
    proposal: Proposal
    progress: list[ProgressStep]
    timeline: list[TimelineEntry]
    lines: list[BudgetLine]
    # An organisation's stated purpose and kelurahan; empty for individuals.
    purpose: str = ""
    kelurahan: str = ""


def proposal_detail(proposal_id: int) -> ProposalDetail | None:
    """A submitted proposal with its progress, public timeline and (organisations') budget.

    Loads the public columns plus the NPHD and evaluating unit (public facts of
    the grant), the organisation's purpose and the counts of citizens' reports
    (subqueries of the first query); four queries.
    """
    proposal = (
        _public_rows()
        .only(
            *_PROPOSAL_COLUMNS,
            "purpose",
            "kelurahan",
            "public_reason",
            "assigned_unit",
            "nphd_number",
            "nphd_date",
            "program__responsible_unit",
        )
        .filter(pk=proposal_id)
        .annotate(**report_counts())
        .first()
    )
    if proposal is None:
        return None
    stages = list(
        ReviewStage.objects.filter(program_id=proposal.program_id)
        .only(*_STAGE_COLUMNS)
        .order_by("position")
    )
    events = AuditEvent.objects.filter(proposal_id=proposal.pk).only(
        "seq",
        "at",
        "action",
        "stage",
        "actor_role",
        "actor_label",
        "amounts",
        "note",
        "v",
    )
    is_organisation = proposal.applicant.kind == proposal.applicant.Kind.ORGANISATION
    # An individual's budget lines, free text and village may single them out
    # or describe their circumstances; only organisations' are public.
    lines = (
        list(
            BudgetLine.objects.filter(proposal_id=proposal.pk).only(
                "id",
                "position",
                "item",
                "quantity",
                "unit_cost",
                "corrected_quantity",
                "corrected_unit_cost",
                "corrected_stage",
            )
        )
        if is_organisation
        else []
    )
    return ProposalDetail(
        proposal=proposal,
        progress=proposal_progress(proposal, stages),
        timeline=[_timeline_entry(event) for event in events.order_by("seq")],
        lines=lines,
        purpose=proposal.purpose if is_organisation else "",
        kelurahan=proposal.kelurahan if is_organisation else "",
    )


# --- announcements, regulations, statistics -------------------------------------------


def public_announcements() -> QuerySet[Announcement]:
    """Published announcements whose date has come, newest first."""
    return Announcement.objects.filter(
        is_published=True, published_on__lte=timezone.localdate()
    ).order_by("-published_on", "-pk")


def announcement_page(*, page: str | None = None) -> Page:
    paginator = Paginator(public_announcements(), PAGE_SIZE)
    return paginator.get_page(clean_param(page, 20) or None)


def public_regulations() -> QuerySet[Regulation]:
    return Regulation.objects.order_by("-year", "number", "pk")


# The statistics tables show at most this many kecamatan (a city has a few dozen).
MAX_KECAMATAN_ROWS = 300


@dataclass
class Statistics:
    """Rows are dicts: group (the grouped value), label, and the _figures()."""

    by_year: list[dict]
    by_kind: list[dict]
    by_kecamatan: list[dict]
    totals: dict
    kecamatan_truncated: bool = False


_FIGURES = ("proposal_count", "requested", "approved_count", "approved", "disbursed")


def portal_statistics() -> Statistics:
    """Public proposals by fiscal year, by kind and by kecamatan: three queries.

    The kept totals (grants/totals.py) grouped by program and status, and by
    kecamatan and status (a few hundred rows whatever the number of
    proposals), and the programs' year and kind; the three tables and the
    grand totals are added up from those rows.
    """
    by_program = _grouped_totals("program_id")
    by_place = _grouped_totals("kecamatan_code", "kecamatan")
    programs = {p["pk"]: p for p in Program.objects.values("pk", "fiscal_year", "kind")}
    kinds = dict(Program.Kind.choices)

    def table(key, label, order, rows):
        groups: dict = {}
        for row in rows:
            groups.setdefault(key(row), []).append(row)
        result = [
            {
                "group": group,
                "label": label(group),
                **{k: v for k, v in _totals_of(members).items() if k in _FIGURES},
            }
            for group, members in groups.items()
        ]
        return sorted(result, key=order)

    by_year = table(
        lambda row: programs[row["program_id"]]["fiscal_year"],
        lambda g: g,
        lambda r: -r["group"],
        by_program,
    )
    by_kind = table(
        lambda row: programs[row["program_id"]]["kind"],
        lambda g: kinds.get(g, g),
        lambda r: r["group"],
        by_program,
    )
    by_kecamatan = table(
        lambda row: kecamatan_name(row["kecamatan_code"], row["kecamatan"]),
        lambda g: g,
        lambda r: (-r["proposal_count"], r["group"]),
        by_place,
    )
    return Statistics(
        by_year=by_year,
        by_kind=by_kind,
        by_kecamatan=by_kecamatan[:MAX_KECAMATAN_ROWS],
        totals={key: sum(row[key] for row in by_year) for key in _FIGURES},
        kecamatan_truncated=len(by_kecamatan) > MAX_KECAMATAN_ROWS,
    )


# --- citizens' reports -------------------------------------------------------------


def report_counts() -> dict:
    """Subqueries counting a proposal's citizen reports and those answered, for annotate()."""

    def count(queryset):
        return Coalesce(
            Subquery(
                queryset.filter(proposal=OuterRef("pk"))
                .order_by()
                .values("proposal")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        )

    reports = CitizenReport.objects.all()
    return {
        "report_count": count(reports),
        "answered_report_count": count(
            reports.exclude(status=CitizenReport.Status.RECEIVED)
        ),
    }


def report_public(code: str) -> CitizenReport | None:
    """A report by its tracking code, for whoever holds the code: the sender's
    own message comes back to them (the code is as secret as a password and the
    page is never cached), their name and contact are not loaded.
    """
    if not code:
        return None
    return (
        CitizenReport.objects.filter(tracking_code=code)
        .select_related("proposal", "program")
        .only(
            "id",
            "tracking_code",
            "message",
            "status",
            "response",
            "due_on",
            "created_at",
            "answered_at",
            "photo",
            "proposal__id",
            "proposal__title",
            "program__id",
            "program__name",
        )
        .first()
    )


REPORT_STATUS_ORDER = Case(
    When(status=CitizenReport.Status.RECEIVED, then=Value(0)),
    When(status=CitizenReport.Status.ANSWERED, then=Value(1)),
    default=Value(2),
)


def report_queue(*, status: str = "") -> QuerySet[CitizenReport]:
    """The back office's queue: waiting reports first, the most urgent at the top."""
    reports = CitizenReport.objects.select_related("proposal", "program").defer(
        "proposal__background",
        "proposal__purpose",
        "program__eligibility",
        "client_fingerprint",
    )
    if status in CitizenReport.Status.values:
        reports = reports.filter(status=status)
    return reports.order_by(REPORT_STATUS_ORDER, "due_on", "created_at", "pk")


def report_summary() -> dict:
    """How many reports wait for an answer, and how many of them are overdue (one query)."""
    waiting = Q(status=CitizenReport.Status.RECEIVED)
    return CitizenReport.objects.aggregate(
        waiting=Count("pk", filter=waiting),
        overdue=Count("pk", filter=waiting & Q(due_on__lt=timezone.localdate())),
    )


# --- kecamatan/kelurahan to fix --------------------------------------------------

# The fix page lists at most this many records of each kind (oldest first).
MAX_PLACES_TO_FIX = 200


def _unplaced(queryset):
    return queryset.filter(Q(kecamatan_code="") | Q(kelurahan_code=""))


def places_to_fix() -> dict:
    """Applicants and proposals without register codes (old free text): two queries."""
    applicants = list(
        _unplaced(Applicant.objects)
        .only("pk", "kind", "name", "kecamatan", "kelurahan", "kecamatan_code")
        .order_by("pk")[:MAX_PLACES_TO_FIX]
    )
    proposals = list(
        _unplaced(Proposal.objects)
        .select_related("applicant", "program")
        .only(
            "pk",
            "title",
            "kecamatan",
            "kelurahan",
            "kecamatan_code",
            "applicant__name",
            "program__name",
        )
        .order_by("pk")[:MAX_PLACES_TO_FIX]
    )
    return {"applicants": applicants, "proposals": proposals}


def places_to_fix_count() -> int:
    """How many applicants and proposals wait for a register kecamatan/kelurahan (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM grants_applicant"
            "        WHERE kecamatan_code = '' OR kelurahan_code = '')"
            " + (SELECT count(*) FROM grants_proposal"
            "    WHERE kecamatan_code = '' OR kelurahan_code = '')"
        )
        return cursor.fetchone()[0]


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


def _report_due_now() -> Q:
    """Proposals whose accountability report the recipient may hand in now: the
    declared `report` step's states and guard (once fully paid)."""
    report = WORKFLOW.transition("report")
    where = Q(status__in=report.sources)
    if report.guard is not None and report.guard.query is not None:
        where &= report.guard.query
    return where


def report_due_on():
    """A proposal's accountability report (LPJ) deadline: its program's
    `report_due_days` after the last disbursement (an annotation)."""
    last_paid = Subquery(
        Disbursement.objects.filter(proposal=OuterRef("pk"))
        .order_by("-paid_on")
        .values("paid_on")[:1]
    )
    return ExpressionWrapper(
        last_paid + F("program__report_due_days"), output_field=DateField()
    )


def report_due_for(proposal_id: int):
    """One proposal's accountability report (LPJ) deadline, or None before any
    disbursement."""
    return (
        Proposal.objects.filter(pk=proposal_id)
        .annotate(report_due=report_due_on())
        .values_list("report_due", flat=True)
        .first()
    )


def reports_overdue(today) -> QuerySet[Proposal]:
    """Disbursed proposals whose recipient has not sent the accountability report
    (LPJ) by its deadline."""
    return (
        Proposal.objects.filter(_report_due_now())
        .annotate(report_due=report_due_on())
        .filter(report_due__lt=today)
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
