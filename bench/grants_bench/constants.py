"""Constants shared by the grants benchmark (bench/grants.py)."""

from __future__ import annotations

TARGET_MS = 100.0
TARGET_MB = 150.0
TARGET_LINES = (
    f"target: every public list, filter, search, program, portal and statistics page "
    f"p95 < {TARGET_MS:.0f} ms, with the same number of queries per page whatever "
    "the data size",
    f"target: export memory flat and under {TARGET_MB:.0f} MB whatever the row count",
)
SMALL_PROPOSALS = 1000
SLUG = "bandung"
BASE_DOMAIN = "localhost"
HOST = f"{SLUG}.{BASE_DOMAIN}"
COPY_BATCH = 10_000
DAY = 86_400.0
MB = 1024 * 1024
