"""Timing the public pages of the grants benchmark through the test client,
with the SQL statements each request runs."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench._common import nearest_rank
from bench.grants_bench.constants import HOST
from bench.grants_bench.seed import Seed

# --- measurements: pages -----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    page: str
    size: str
    durations: tuple[float, ...]  # seconds
    queries: tuple[int, ...]  # per URL of the rotation
    search_path: tuple[int, ...]  # of which SET search_path
    by_url: dict = field(default_factory=dict, compare=False)  # url -> durations

    @property
    def p95_ms(self) -> float:
        return nearest_rank(self.durations, 0.95) * 1000


def _span(values: tuple[int, ...]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


LIST_FILTERED = (
    "list, filters `/grants/proposals/?status=&kecamatan=&amount_min=&program=&year=`"
)
LIST_PAGES = "list, unfiltered, page 1 / 2 / middle / last"
LIST_SEARCH = "list, text search `?q=`"
PROGRAM = "program totals `/grants/programs/<id>/`"
PORTAL = "portal home `/grants/`"
STATISTICS = "statistics `/grants/statistics/`"
DETAIL = "proposal + timeline `/grants/proposals/<id>/` (not in the target)"
# Issue 16: every public list, filter, search, portal and statistics page.
TARGETED = (LIST_FILTERED, LIST_PAGES, LIST_SEARCH, PROGRAM, PORTAL, STATISTICS)


def filter_rotation(seed: Seed) -> list[str]:
    """Filter combinations, with values taken from public proposals of the small data."""
    from django.db.models import Count

    from grants.selectors import public_proposals

    public = public_proposals()

    def top(field_name, **filters):
        row = (
            public.filter(**filters)
            .values(field_name)
            .annotate(n=Count("pk"))
            .order_by("-n", field_name)
            .first()
        )
        return row[field_name]

    kecamatan = top("kecamatan")
    program = top("program_id")
    year = top("program__fiscal_year")
    disbursed = public.filter(status="disbursed").order_by("pk").first()
    approved = (
        public.filter(status="approved", program_id=program).order_by("pk").first()
        or public.filter(status="closed").order_by("pk").first()
    )
    combos = [
        {"status": "in_review"},
        {"kecamatan": kecamatan},
        {"amount_min": "10.000.000", "amount_max": "50.000.000"},
        {"program": program},
        {"year": year},
        {"status": "closed", "year": year - 1 if year > 2023 else year},
        {
            "status": "disbursed",
            "kecamatan": disbursed.kecamatan,
            "year": disbursed.program.fiscal_year,
        },
        {
            "program": approved.program_id,
            "status": approved.status,
            "amount_min": f"{max(approved.requested_amount // 2, 1):,}".replace(
                ",", "."
            ),
        },
    ]
    return [f"/grants/proposals/?{urlencode(c)}" for c in combos]


def detail_rotation() -> list[int]:
    """20 public proposals of the small data, spread over its ids."""
    from grants.selectors import public_proposals

    ids = list(public_proposals().order_by("pk").values_list("pk", flat=True))
    return ids[:: max(1, len(ids) // 20)][:20]


def rotation(
    seed: Seed, filtered: list[str], detail_ids: list[int]
) -> dict[str, list[str]]:
    from grants.models import Program
    from grants.selectors import PAGE_SIZE, public_proposals

    pages = max(1, math.ceil(public_proposals().count() / PAGE_SIZE))
    programs = list(
        Program.objects.exclude(status="draft")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return {
        LIST_FILTERED: filtered,
        LIST_PAGES: [
            "/grants/proposals/",
            "/grants/proposals/?page=2",
            f"/grants/proposals/?page={max(1, pages // 2)}",
            f"/grants/proposals/?page={pages}",
        ],
        LIST_SEARCH: [
            "/grants/proposals/?q=balai",
            "/grants/proposals/?q=Karang+Taruna",
            "/grants/proposals/?q=sembako",
        ],
        PROGRAM: [f"/grants/programs/{pk}/" for pk in programs],
        PORTAL: ["/grants/"],
        STATISTICS: ["/grants/statistics/"],
        DETAIL: [f"/grants/proposals/{pk}/" for pk in detail_ids],
    }


def _client():
    from django.test import Client

    return Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="id")


def _get(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"FAIL: GET {url} answered {response.status_code}")
    return response


def _count_queries(client, url: str) -> tuple[int, int, list[dict], bytes]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = _get(client, url)
    statements = captured.captured_queries
    return (
        len(statements),
        sum(q["sql"].startswith("SET search_path") for q in statements),
        statements,
        response.content,
    )


def measure_pages(
    seed: Seed,
    urls: dict[str, list[str]],
    requests: int,
    warmup: int,
    label: str | None = None,
) -> list[Row]:
    """Time every page, round-robin so that a busy moment hits all pages alike."""
    client = _client()
    for i in range(warmup):
        for page_urls in urls.values():
            _get(client, page_urls[i % len(page_urls)])
    durations: dict[str, list[float]] = {page: [] for page in urls}
    by_url: dict[str, dict[str, list[float]]] = {page: {} for page in urls}
    for i in range(requests):
        for page, page_urls in urls.items():
            url = page_urls[i % len(page_urls)]
            started = time.perf_counter()
            _get(client, url)
            elapsed = time.perf_counter() - started
            durations[page].append(elapsed)
            by_url[page].setdefault(url, []).append(elapsed)
    rows = []
    for page, page_urls in urls.items():
        counts = []
        for url in page_urls:
            total, set_calls, _statements, content = _count_queries(client, url)
            if page in (LIST_FILTERED, LIST_PAGES) and b'id="proposal-' not in content:
                raise SystemExit(f"FAIL: {url} lists no proposal at {seed.label}")
            counts.append((total, set_calls))
        rows.append(
            Row(
                page,
                label or seed.label,
                tuple(durations[page]),
                tuple(t for t, _s in counts),
                tuple(s for _t, s in counts),
                by_url[page],
            )
        )
    return rows


def explain(seed: Seed, rows: list[Row]) -> None:
    """EXPLAIN ANALYZE of the two slowest statements of each page's slowest URL."""
    from django.db import connection

    client = _client()
    print("\n### EXPLAIN ANALYZE of the slowest statements at " + rows[0].size + "\n")
    for row in rows:
        url = max(row.by_url, key=lambda u: statistics.median(row.by_url[u]))
        _count_queries(client, url)  # warm
        _total, _set, statements, _content = _count_queries(client, url)
        timed = sorted(
            (q for q in statements if not q["sql"].startswith("SET search_path")),
            key=lambda q: float(q["time"]),
            reverse=True,
        )
        print(f"#### {row.page}: `{url}`\n")
        for query in timed[:2]:
            connection.set_tenant(seed.tenant)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(line for (line,) in cursor.fetchall())
            print(
                f"statement ({query['time']} s in the request):\n```sql\n{query['sql']}\n```\n```\n{plan}\n```\n"
            )
