"""The tables the grants benchmark prints."""

from __future__ import annotations

import statistics

from bench.grants_bench.constants import MB, TARGET_LINES, TARGET_MB, TARGET_MS
from bench.grants_bench.pages import TARGETED, Row, _span
from bench.grants_bench.probes import PROBES, ProbeRow

# --- report ------------------------------------------------------------------------


def print_report(
    rows: list[Row], probes: list[ProbeRow], published: dict[str, int]
) -> None:
    print()
    print(
        "| page | data size | p50 ms | p95 ms | max ms | queries | of which SET search_path |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    order = list(dict.fromkeys(row.page for row in rows))
    for row in sorted(rows, key=lambda r: order.index(r.page)):
        print(
            f"| {row.page} | {row.size} | {statistics.median(row.durations) * 1000:.1f} "
            f"| {row.p95_ms:.1f} | {max(row.durations) * 1000:.1f} "
            f"| {_span(row.queries)} | {_span(row.search_path)} |"
        )
    if probes:
        print_probes(probes, published)
    print()
    for line in TARGET_LINES:
        print(line)
    summarize(rows, probes)


def print_probes(probes: list[ProbeRow], published: dict[str, int]) -> None:
    print()
    print(
        "| export / check | data size | rows | MB out | seconds | queries (SET search_path) "
        "| RSS growth MB | child peak RSS MB | tracemalloc peak MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    order = [label for _kind, label in PROBES]
    for probe_row in sorted(probes, key=lambda p: order.index(p.what)):
        r = probe_row.result
        if "bytes" in r:
            rows_out = f"{published[probe_row.size]:,} grants"
            out = f"{r['bytes'] / MB:.1f}"
            queries = f"{r['queries']} ({r['search_path']})"
        else:
            rows_out = f"{r['events']:,} events ({'intact' if r['ok'] else 'BROKEN'})"
            out, queries = "–", "–"
        traced = f"{r['traced_peak'] / MB:.1f}" if "traced_peak" in r else "–"
        print(
            f"| {probe_row.what} | {probe_row.size} | {rows_out} | {out} | {r['seconds']:.1f} "
            f"| {queries} | {r['rss_growth'] / MB:.1f} | {r['peak_rss'] / MB:.0f} | {traced} |"
        )


def summarize(rows: list[Row], probes: list[ProbeRow]) -> None:
    by_page: dict[str, list[Row]] = {}
    for row in rows:
        by_page.setdefault(row.page, []).append(row)
    largest = rows[-1].size
    slow = [r for r in rows if r.size == largest and r.p95_ms >= TARGET_MS]
    missed = [f"{r.page} ({r.p95_ms:.0f} ms)" for r in slow if r.page in TARGETED]
    others = [f"{r.page} ({r.p95_ms:.0f} ms)" for r in slow if r.page not in TARGETED]
    print(
        f"p95 at {largest}: "
        + (
            "every targeted page under target"
            if not missed
            else "OVER target: " + "; ".join(missed)
        )
        + ("" if not others else "; also over: " + "; ".join(others))
    )
    # Per URL of the rotation (the same position at every size): organisations'
    # proposals load their budget lines, individuals' do not.
    varying = [
        page
        for page, measured in by_page.items()
        if len({r.queries for r in measured}) > 1
    ]
    print(
        "queries per page: "
        + ("constant" if not varying else "NOT constant: " + "; ".join(varying))
    )
    if probes:
        memory = [
            p
            for p in probes
            if max(p.result["rss_growth"], p.result.get("traced_peak", 0))
            >= TARGET_MB * MB
        ]
        print(
            "export and check memory: "
            + (
                "under target at every size"
                if not memory
                else "OVER target: "
                + "; ".join(f"{p.what} at {p.size}" for p in memory)
            )
        )
    print()


def print_url_breakdown(rows: list[Row]) -> None:
    print("\nPer URL at " + rows[-1].size + " (median / max ms):\n")
    print("| page | URL | median ms | max ms |")
    print("|---|---|---:|---:|")
    for row in rows:
        for url, values in row.by_url.items():
            print(
                f"| {row.page.split(' `')[0]} | `{url}` | {statistics.median(values) * 1000:.1f} | {max(values) * 1000:.1f} |"
            )
