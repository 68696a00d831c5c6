"""Open data of a tenant's grants: the audit chain (and, later, the 360Giving export)."""

from __future__ import annotations

import json

from django.http import StreamingHttpResponse

from .audit import stored_records


def audit_jsonl(request):
    """The public audit chain, one JSON record per line, streamed in chunks."""

    def lines():
        for record in stored_records():
            yield json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"

    response = StreamingHttpResponse(
        lines(), content_type="application/jsonl; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="audit.jsonl"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
