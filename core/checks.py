"""Deployment checks of the shared machinery (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

# The fetcher's test switches (core/fetch.py) and what each opens.
_FETCH_SWITCHES = {
    "FETCH_ALLOW_HTTP": (
        "core.E001",
        "publishers' addresses would be fetched over plain http://, which anyone "
        "on the way can read and change",
    ),
    "FETCH_ALLOW_FILE_URLS": (
        "core.E002",
        "a file:// address would read this server's own disk",
    ),
}


@register(Tags.security, deploy=True)
def fetch_test_switches(app_configs, **kwargs):
    """The fetcher's test-only switches are refused in a deployment (DEBUG off)."""
    if settings.DEBUG:
        return []
    return [
        Error(
            f"{name} is on: {danger}.",
            hint=f"It exists for the tests only; unset {name} in this environment.",
            id=check_id,
        )
        for name, (check_id, danger) in _FETCH_SWITCHES.items()
        if getattr(settings, name, False)
    ]
