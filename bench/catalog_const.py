"""bench/catalog.py's targets, sizes and searches (shared by its modules)."""

from __future__ import annotations

TARGET_MS = 50.0
TARGET_LINE = (
    f"target: p95 < {TARGET_MS:.0f} ms on every page, and the same number of "
    "queries per page whatever the data size"
)
SMALL_APPS = 10
ADOPTERS_PER_APP = 20
HOST = "localhost"

# (search words, category filter): each has at least one hit among the first
# SMALL_APPS apps (see CORE_APPS), so both sizes render a non-empty page.
SEARCHES = (
    ("informasi", "document-management"),
    ("sabilungan", "grant-management"),  # typo of Sabilulungan: the names' words
    ("kepegawaian", "hr"),
    ("retribusi", "taxes-management"),
    ("complaints", "customer-service-and-support"),  # English description
    ("perizin", "workflow-management"),  # prefix of perizinan
)

# Facet filters without a search, several at once (query strings): each facet
# is counted among the apps every other filter keeps, and the page follows.
# Each matches some of the first SMALL_APPS apps, so both sizes draw a page.
FILTERS = (
    "category=document-management&license=MIT",
    "scope=local-authorities&status=stable&language=en",
    "category=hr&category=accounting&delivery=external&sort=newest",
    "license=GPL-3.0-or-later&license=MIT&scope=government&sort=name",
    "language=en&status=beta&status=stable&sort=adopted",
)
