"""What the publisher sees: failures, versions and their rows."""

from __future__ import annotations

from ..models import CatalogApp
from ..models_harvest import (
    CatalogAppVersion,
    RepositoryLink,
)
from .repositories import (
    Outcome,
)
from .versions import (
    change_label,
    change_text,
)

# --- what the publisher sees ------------------------------------------------------------


def harvest_failures(tenant):
    """Linked entries of `tenant` whose last check failed (the publisher's to-do)."""
    return (
        RepositoryLink.objects.filter(
            app__publisher=tenant, last_run__outcome=Outcome.FAILED
        )
        .select_related("app", "last_run")
        .order_by("app__name")
    )


def failed_links():
    """Every linked entry whose last check failed (the operators' to-do)."""
    return RepositoryLink.objects.filter(last_run__outcome=Outcome.FAILED)


def app_versions(app: CatalogApp):
    return CatalogAppVersion.objects.filter(app=app).select_related("release")


def version_rows(version: CatalogAppVersion) -> list[dict]:
    """A version's changes for display, labels in the current language."""
    return [
        {
            "label": change_label(change["field"]),
            "old": change_text(change.get("old")),
            "new": change_text(change.get("new")),
        }
        for change in version.changes
    ]
