"""The background jobs: due checks, one check of one link."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from core.fetch import FetchError
from core.i18n import Sentence, storable
from core.jobs import job_enqueue

from ..models_harvest import (
    HarvestRun,
    RepositoryLink,
)
from ..publiccode import PubliccodeError, parse
from .images import (
    images_refresh,
)
from .repositories import (
    RUNS_KEPT,
    Outcome,
    Problem,
    _read_publiccode,
    repository_open,
)
from .versions import (
    _apply,
)

logger = logging.getLogger(__name__)

# --- the jobs ---------------------------------------------------------------------


def harvest_due(*, now=None) -> int:
    """Periodic: queue a check of every approved link not checked for the interval."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.HARVEST_INTERVAL_HOURS)
    due = list(
        RepositoryLink.objects.filter(approved_at__isnull=False)
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
        .values_list("pk", flat=True)
    )
    for link_id in due:
        job_enqueue(
            "catalog.harvest.harvest_link",
            link_id=link_id,
            trigger=HarvestRun.Trigger.SCHEDULE,
        )
    return len(due)


def harvest_link(*, link_id: int, trigger: str = HarvestRun.Trigger.SCHEDULE):
    """The job: check one link (gone or unapproved links are skipped)."""
    link = (
        RepositoryLink.objects.filter(pk=link_id, approved_at__isnull=False)
        .select_related("app__publisher")
        .first()
    )
    if link is None:
        return None
    # The worker has no visitor: what the check says, the importer's problems
    # included, is kept as sentences to be read in the reader's language
    # (core/i18n.py); anything that comes translated anyway is written in the
    # platform's language.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            run = harvest(link, trigger=trigger)
        except Exception:
            # A fault of ours, not of the repository: logged for the operators,
            # and shown to the publisher so the entry is not silently stale.
            logger.exception("checking the repository of %s failed", link.app.slug)
            run = _failed(
                link,
                trigger,
                Problem.ERROR,
                Sentence(
                    gettext_noop(
                        "The check could not be completed because of an error on "
                        "BagiPakai's side; it is tried again at the next check."
                    )
                ),
            )
    return run.outcome


def _failed(link, trigger, problem, message: Sentence, issues=()) -> HarvestRun:
    return _record(
        link,
        trigger,
        outcome=Outcome.FAILED,
        problem=problem,
        message=message.stored(),
        issues=list(issues),
    )


def _issues(error: PubliccodeError) -> list[dict]:
    """[{path, message}] of a refused file, each message kept to be read in any language."""
    return [
        {"path": issue.path, "message": storable(issue.message)}
        for issue in error.issues
    ]


def _record(link, trigger, *, digest=None, **fields) -> HarvestRun:
    with transaction.atomic():
        run = HarvestRun.objects.create(link=link, trigger=trigger, **fields)
        now = timezone.now()
        update = {"last_checked_at": now, "check_requested_at": None, "last_run": run}
        if digest is not None:
            update["last_digest"] = digest
        RepositoryLink.objects.filter(pk=link.pk).update(**update)
        for name, value in update.items():
            setattr(link, name, value)
        old = list(
            HarvestRun.objects.filter(link=link).values_list("pk", flat=True)[
                RUNS_KEPT:
            ]
        )
        if old:
            HarvestRun.objects.filter(pk__in=old).delete()
    return run


_PROBLEM_OF_FETCH = {
    "refused_address": Problem.REFUSED,
    "scheme": Problem.REFUSED,
    "not_found": Problem.MISSING,
}


def harvest(link: RepositoryLink, *, trigger: str) -> HarvestRun:
    """Check `link` once: update the entry from a changed valid file, or report why not."""
    app = link.app
    try:
        with repository_open(link) as reader:
            data = _read_publiccode(reader)
            digest = hashlib.sha256(data).hexdigest()
            changed = digest != link.last_digest
            if not changed and trigger != HarvestRun.Trigger.MANUAL:
                last = link.last_run
                if last is not None and last.outcome != Outcome.FAILED:
                    return _record(link, trigger, outcome=Outcome.UNCHANGED)
            try:
                doc = parse(data)
            except PubliccodeError as exc:
                return _failed(
                    link,
                    trigger,
                    Problem.INVALID,
                    Sentence(
                        gettext_noop(
                            "The publiccode.yml of the repository is not valid."
                        )
                    ),
                    _issues(exc),
                )
            if str(doc.get("url") or "").strip() != app.url:
                return _failed(
                    link,
                    trigger,
                    Problem.OTHER_REPOSITORY,
                    Sentence(
                        gettext_noop(
                            "The file's url (%(file)s) is not this entry's source "
                            "repository (%(entry)s); nothing was changed."
                        ),
                        file=str(doc.get("url") or ""),
                        entry=app.url,
                    ),
                )
            try:
                version = _apply(app, data, origin=link.repository_url)
            except PubliccodeError as exc:
                return _failed(
                    link,
                    trigger,
                    Problem.INVALID,
                    Sentence(
                        gettext_noop(
                            "The publiccode.yml could not be applied to the entry."
                        )
                    ),
                    _issues(exc),
                )
            media_problems = images_refresh(
                app,
                doc,
                reader,
                refetch=changed or trigger == HarvestRun.Trigger.MANUAL,
            )
            return _record(
                link,
                trigger,
                digest=digest,
                outcome=Outcome.UPDATED if version else Outcome.UNCHANGED,
                version=version,
                media_problems=media_problems,
            )
    except FetchError as exc:
        return _failed(
            link,
            trigger,
            _PROBLEM_OF_FETCH.get(exc.reason, Problem.UNREACHABLE),
            exc.message,
        )
