"""What a web process would otherwise do on its first requests, done once before
gunicorn forks its workers (preload_app, config/gunicorn.py).

A worker is replaced every GUNICORN_MAX_REQUESTS requests to cap memory growth.
A new worker used to start cold: its first pages compiled the project's
templates, read both languages' translation catalogues and built the URL
resolvers, while the requests queued on its connections waited. Under load
that was the slowest 1 % of all answers (bench/load.py: the portal's p99 452 ms
with workers replaced, 53 ms without). Done here in the master, every worker
inherits the work through fork.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def _project_templates(directory: Path) -> list[str]:
    return sorted(
        str(path.relative_to(directory))
        for path in directory.rglob("*.html")
        if path.is_file()
    )


def warm_up() -> dict[str, int]:
    """Compile the project's templates into the cached loader, load every
    language's catalogue and build the URL resolvers. Returns what it did.
    Nothing to gain under DEBUG, where templates are not cached."""
    done = {"templates": 0, "languages": 0, "urlconfs": 0}
    if settings.DEBUG:
        return done
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver
    from django.utils import translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("BagiPakai")
        done["languages"] += 1
    for urlconf in {settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF}:
        resolver = get_resolver(urlconf)
        resolver.reverse_dict  # noqa: B018 -- builds the resolver's lookups
        done["urlconfs"] += 1
    engine = engines["django"]
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for name in _project_templates(Path(directory)):
            try:
                engine.get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
                # An override of a template whose base is not installed: the
                # page that needs it reports it, not the start-up.
                logger.debug("warm-up skipped %s: %s", name, exc)
                continue
            done["templates"] += 1
    return done
