"""The portal's home, program pages, statistics, announcements and regulations."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from tenants.selectors import clean_param

from ..models import Announcement, Program, Regulation, ReviewStage
from ..workflow import public_statuses
from .public import (
    PAGE_SIZE,
    _by,
    _grouped_totals,
    _totals_of,
    kecamatan_name,
    public_programs,
)

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
