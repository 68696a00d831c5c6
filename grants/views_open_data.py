"""Open data of a tenant's grants: the audit chain and the 360Giving export (JSON, CSV)."""

from __future__ import annotations

from core.opendata import jsonl_response, streamed

from . import open_data
from .audit import stored_records


def audit_jsonl(request):
    """The public audit chain, one JSON record per line, streamed in chunks."""
    return jsonl_response(stored_records(), filename="audit.jsonl")


def grants_json(request):
    """The tenant's awarded grants as a 360Giving data package, streamed in chunks."""
    publisher = open_data.Publisher.from_request(request)
    return streamed(
        open_data.json_package(publisher),
        content_type="application/json; charset=utf-8",
        filename=f"{publisher.slug}-grants.json",
    )


def grants_csv(request):
    """The same grants, one row each, in 360Giving's spreadsheet columns."""
    publisher = open_data.Publisher.from_request(request)
    return streamed(
        open_data.csv_rows(publisher),
        content_type="text/csv; charset=utf-8",
        filename=f"{publisher.slug}-grants.csv",
        inline=False,
    )


def audit_verify(request):
    """Anyone can have the chain recomputed here (or download audit.jsonl and do it).

    The result is kept for a minute (and dropped when an event is appended), so
    the page cannot be used to make the server hash a million rows per request.
    """
    from django.core.cache import cache
    from django.db import connection
    from django.shortcuts import render

    from .audit import verify_stored
    from .models import AuditEvent

    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    key = f"grants-audit-verify:{connection.schema_name}:{last[0] if last else 0}:{last[1] if last else ''}"
    report = cache.get(key)
    if report is None:
        report = verify_stored()
        cache.set(key, report, 60)
    return render(
        request,
        "grants/public/verify.html",
        {"report": report, "last_hash": last[1] if last else ""},
    )
