"""The public proposal list: its filters, capped paginator, pages and filter choices."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar
from urllib.parse import urlencode

from django.contrib.postgres.expressions import ArraySubquery
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, F, Func, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property

from tenants.selectors import clean_param

from ..models import Applicant, Program, Proposal, ReviewStage
from ..workflow import WORKFLOW, public_statuses
from .proposal_timeline import proposal_progress
from .public import (
    _STAGE_COLUMNS,
    PAGE_SIZE,
    _public_rows,
    public_programs,
    public_proposals,
)

# Bounds for query-string numbers: PostgreSQL's bigint and a sane fiscal year.
_MAX_BIGINT = 2**63 - 1
_YEARS = range(1900, 10000)


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


def search_match(q: str) -> Q:
    """Proposals a text search finds: `q` in the title, or in the name of the
    applying organisation. Individuals are never found by name, or a search
    would confirm that a named person receives social aid."""
    organisations = Applicant.objects.filter(
        kind="organisation", name__icontains=q
    ).values_list("pk", flat=True)
    # `= ANY(ARRAY(…))`, not `IN (…)`: PostgreSQL then estimates the OR from
    # both sides and can serve it with two index scans (the title's trigram
    # index, the applicant's), instead of guessing that half the table matches.
    in_organisations = Func(
        F("applicant_id"),
        ArraySubquery(organisations),
        arg_joiner=" = ANY(",
        template="(%(expressions)s))",
        output_field=BooleanField(),
    )
    return Q(title__icontains=q) | Q(in_organisations)


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
            proposals = proposals.filter(search_match(self.q))
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


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP matches: an exact count of 100,000 rows on every
    page view would cost more than the page itself. Past the cap the page says
    "more than", and the filters narrow the list.

    `fetch(bottom, top)`, when given, loads a page's rows instead of slicing
    the queryset (see proposal_page)."""

    COUNT_CAP = 10_000

    def __init__(
        self, object_list, per_page, *, fetch=None, count_cap=None, known=None, **kwargs
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.fetch = fetch
        self.known = known  # the capped count when the caller already has it
        if count_cap is not None:
            self.COUNT_CAP = count_cap

    @cached_property
    def count(self) -> int:
        if self.known is not None:
            return self.known
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
# A text search lists the newest SEARCH_COUNT_CAP matches ("more than 200
# proposals" past that; the filters narrow the list). Their ids come first from
# the newest SEARCH_WALK proposals (grants_proposal_public_search: an
# index-only walk, no table row read), which holds them for any word in more
# than 1 % of the recent proposals; a rarer word is looked up in the trigram
# indexes instead, and its few matches sorted.
SEARCH_COUNT_CAP = 200
SEARCH_WALK = 20_000


def _search_ids(filters: ProposalFilters) -> list[int]:
    """Ids of the newest SEARCH_COUNT_CAP + 1 proposals a text search finds
    (with the other filters), newest first; always two statements, each of
    bounded cost whatever the word.

    Walking the whole list until enough matches turn up costs seconds for a
    word that matches nothing; reading every match from the trigram index and
    sorting them costs as much for a word in every tenth title. So: the walk,
    stopped after SEARCH_WALK proposals; only when it found too few, the index
    lookup (those few matches, sorted).
    """
    wanted = SEARCH_COUNT_CAP + 1
    others = replace(filters, q="").apply(public_proposals())
    columns = ("pk", "updated_at", "title", "applicant_id")
    recent, recent_params = (
        others.order_by(*_NEWEST_FIRST).values_list(*columns)[:SEARCH_WALK]
    ).query.sql_with_params()
    # The same match on the walked rows (the subquery's output columns).
    match, match_params = _match_on_walk(filters.q)
    found = filters.apply(public_proposals()).values_list("pk", "updated_at")
    everything, everything_params = found.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT w.id FROM ({recent}) AS w(id, updated_at, title, applicant_id)"
            f" WHERE {match} ORDER BY w.updated_at DESC, w.id DESC LIMIT %s",
            [*recent_params, *match_params, wanted],
        )
        ids = [row[0] for row in cursor.fetchall()]
        # MATERIALIZED: every match first (from the indexes), then the sort;
        # not the walk again. When the walk found enough, nothing is read; nor
        # when no trigram index can serve the text (fewer than three letters
        # or digits in a row: every title would be read), then the search
        # lists what the walk found, the matches among the newest proposals.
        cursor.execute(
            f"WITH found AS MATERIALIZED ({everything})"
            " SELECT id FROM found AS f(id, updated_at) WHERE %s"
            " ORDER BY f.updated_at DESC, f.id DESC LIMIT %s",
            [*everything_params, len(ids) < wanted and _has_trigram(filters.q), wanted],
        )
        rest = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) == wanted or not _has_trigram(filters.q) else rest


def _has_trigram(text: str) -> bool:
    """Whether pg_trgm finds a trigram in a LIKE pattern of `text`: three
    letters or digits in a row (its index cannot serve a shorter word)."""
    run = 0
    for char in text:
        run = run + 1 if char.isalnum() else 0
        if run == 3:
            return True
    return False


def _match_on_walk(q: str) -> tuple[str, list]:
    """search_match(q) spelled over the walk's columns w.title, w.applicant_id."""
    pattern = f"%{connection.ops.prep_for_like_query(q)}%"
    organisations, params = (
        Applicant.objects.filter(kind="organisation", name__icontains=q)
        .values_list("pk", flat=True)
        .query.sql_with_params()
    )
    return (
        "(UPPER(w.title::text) LIKE UPPER(%s)"
        f" OR w.applicant_id = ANY(ARRAY({organisations})))",
        [pattern, *params],
    )


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
    the capped count, the page's ids, their rows, the stages of their programs;
    for a text search, the two of _search_ids instead of the first two).

    The stages of every program on the page come in one prefetch, so drawing
    each row's progress costs no query of its own.
    """
    rows = _public_rows().prefetch_related(
        Prefetch(
            "program__stages",
            queryset=ReviewStage.objects.only(*_STAGE_COLUMNS).order_by("position"),
        )
    )

    # A text search has its matches' ids (the newest few hundred) before the
    # page: they give the capped count and every page's ids.
    found = _search_ids(filters) if filters.q else None

    def fetch(bottom: int, top: int) -> list[Proposal]:
        if found is not None:
            ids = found[bottom:top]
        else:
            ids = _page_ids(filters, bottom, top)
        if not ids:
            return []
        by_id = {proposal.pk: proposal for proposal in rows.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]

    paginator = CappedPaginator(
        filters.apply(public_proposals()).order_by(*_NEWEST_FIRST),
        PAGE_SIZE,
        fetch=fetch,
        count_cap=SEARCH_COUNT_CAP if filters.q else None,
        known=len(found) if found is not None else None,
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
