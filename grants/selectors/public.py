"""What is public: programs, proposals, the columns a row may load, grouped totals."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from tenants import register

from ..models import PUBLIC_PROPOSALS, Program, Proposal, ProposalTotal
from ..workflow import COMMITTED, REPORT_IN

PAGE_SIZE = 20
Status = Proposal.Status


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
