"""Repository links: set, approve, remove, check now."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.fetch import FetchError, check_url
from core.jobs import job_enqueue

from ..access import access_catalog_admin
from ..models import CatalogApp
from ..models_harvest import (
    HarvestRun,
    RepositoryLink,
)
from .repositories import (
    Host,
    _project,
)

logger = logging.getLogger(__name__)

# --- links: set, approve, remove, check now ----------------------------------------------


def _clean_repository_url(url: str) -> str:
    url = (url or "").strip()
    try:
        scheme, host, _port = check_url(url)
    except FetchError as exc:
        raise ValidationError({"repository_url": [str(exc)]}) from None
    _base, project = _project(url)
    if scheme != "file" and "/" not in project:
        raise ValidationError(
            {
                "repository_url": [
                    _(
                        "Give the address of the repository itself, e.g. "
                        "https://github.com/organisation/app."
                    )
                ]
            }
        )
    if len(url) > 300:
        raise ValidationError(
            {"repository_url": [_("The address is longer than 300 characters.")]}
        )
    return url


def repository_link_set(
    *, actor, app: CatalogApp, repository_url: str, host: str = Host.AUTO
) -> RepositoryLink:
    """Link `app` to its repository. A new or changed address waits for approval."""
    access_catalog_admin(actor, app.publisher)
    url = _clean_repository_url(repository_url)
    if host not in Host.values:
        raise ValidationError({"host": [_("Choose a code host from the list.")]})
    with transaction.atomic():
        link = RepositoryLink.objects.select_for_update().filter(app=app).first()
        if link is not None and link.repository_url == url and link.host == host:
            return link
        if link is None:
            link = RepositoryLink(app=app)
        link.repository_url = url
        link.host = host
        link.proposed_by = actor
        link.proposed_at = timezone.now()
        link.approved_by = None
        link.approved_at = None
        link.last_digest = ""
        link.check_requested_at = None
        link.save()
    logger.info("repository link of %s set to %s", app.slug, url)
    return link


def repository_link_approve(*, actor, app: CatalogApp) -> RepositoryLink:
    """An administrator of the publisher confirms the link; the first check is queued."""
    access_catalog_admin(actor, app.publisher)
    with transaction.atomic():
        link = RepositoryLink.objects.select_for_update().filter(app=app).first()
        if link is None:
            raise ValidationError(_("This entry is not linked to a repository."))
        if link.is_approved:
            return link
        link.approved_by = actor
        link.approved_at = timezone.now()
        link.check_requested_at = timezone.now()
        link.save(update_fields=["approved_by", "approved_at", "check_requested_at"])
        _enqueue(link, HarvestRun.Trigger.MANUAL)
    return link


def repository_link_remove(*, actor, app: CatalogApp) -> None:
    """Stop keeping the entry up to date (its versions and releases stay)."""
    access_catalog_admin(actor, app.publisher)
    RepositoryLink.objects.filter(app=app).delete()


def repository_check_request(*, actor, app: CatalogApp) -> RepositoryLink:
    """ "Check now": queue a check unless one is already waiting."""
    access_catalog_admin(actor, app.publisher)
    with transaction.atomic():
        link = RepositoryLink.objects.select_for_update().filter(app=app).first()
        if link is None or not link.is_approved:
            raise ValidationError(
                _("The repository link must be approved before it is checked.")
            )
        if link.check_requested_at is None:
            link.check_requested_at = timezone.now()
            link.save(update_fields=["check_requested_at"])
            _enqueue(link, HarvestRun.Trigger.MANUAL)
    return link


def _enqueue(link: RepositoryLink, trigger: str) -> None:
    job_enqueue("catalog.harvest.harvest_link", link_id=link.pk, trigger=trigger)
