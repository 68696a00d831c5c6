"""Open data answers: streamed, readable from any web page, named for saving.

Every hosted app's public exports (Sabilulungan's 360Giving files and audit
chain, Laksa's items and audit chain) answer through these, so they stream in
chunks without holding the whole table, carry the same CORS header and name
their file the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from django.http import StreamingHttpResponse


def streamed(
    chunks: Iterable[str | bytes],
    *,
    content_type: str,
    filename: str,
    inline: bool = True,
) -> StreamingHttpResponse:
    """A streamed open-data answer; `inline` False asks the browser to save it."""
    response = StreamingHttpResponse(chunks, content_type=content_type)
    kind = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{kind}; filename="{filename}"'
    # Public data: any page may read it (no credentials are ever sent with it).
    response["Access-Control-Allow-Origin"] = "*"
    return response


def jsonl(records: Iterable[Mapping]) -> Iterator[str]:
    """One canonical JSON record per line (an audit chain's published form)."""
    for record in records:
        yield json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def jsonl_response(
    records: Iterable[Mapping], *, filename: str
) -> StreamingHttpResponse:
    return streamed(
        jsonl(records),
        content_type="application/jsonl; charset=utf-8",
        filename=filename,
    )
