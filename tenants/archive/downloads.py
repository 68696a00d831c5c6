"""Archives asked for on the web: who may, the job that builds them, the download.

An operator holding `tenants.export_tenant` (verification desk) or an
administrator of the organisation (its dashboard) asks for an archive; the
background job (core/jobs.py) builds it with tenants.archive.service and
stores it through the storage API under `platform/archives/`. Downloading
needs a second factor shown in the last few minutes, goes through a signed
link that lives ARCHIVE_LINK_SECONDS and names the person, and is written to
the platform log. Archives expire after ARCHIVE_KEEP_HOURS and their file is
removed.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.jobs import job_enqueue

from ..access import is_operator
from ..models import Membership, PlatformEvent, Tenant, TenantArchive
from ..transparency import platform_event_append
from .service import tenant_export

logger = logging.getLogger(__name__)

EXPORT_PERMISSION = "tenants.export_tenant"
ARCHIVE_LINK_SALT = "tenants.archive.link"
ARCHIVE_LINK_SECONDS = 120
ARCHIVE_KEEP_HOURS = 24
# A second factor shown this recently counts as fresh for a download.
FRESH_MFA_SECONDS = 300


def may_export(user, tenant: Tenant) -> bool:
    """Operators with the permission, and the organisation's own administrators."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_operator(user, EXPORT_PERMISSION):
        return True
    return Membership.objects.filter(
        user=user, tenant=tenant, role=Membership.Role.ADMIN
    ).exists()


def access_archive(user, archive_id: int, *, tenant: Tenant | None = None) -> TenantArchive:
    """The archive if `user` may have it (on a tenant's host: only that tenant's); else 404."""
    archive = (
        TenantArchive.objects.select_related("tenant").filter(pk=archive_id).first()
    )
    if (
        archive is None
        or (tenant is not None and archive.tenant_id != tenant.pk)
        or not may_export(user, archive.tenant)
    ):
        raise Http404(_("No such archive."))
    return archive


def tenant_archive_request(*, actor, tenant: Tenant) -> TenantArchive:
    """Queue an archive of `tenant`, asked for by `actor`."""
    if not may_export(actor, tenant):
        raise PermissionDenied(
            _("Only the organisation's administrators and the platform operators may do this.")
        )
    if tenant.is_deleted or tenant.is_platform:
        raise PermissionDenied(_("This organisation has no data to export."))
    with transaction.atomic():
        archive = TenantArchive.objects.create(tenant=tenant, requested_by=actor)
        job_enqueue("tenants.tasks.tenant_archive_build_job", archive_id=archive.pk)
    return archive


def tenant_archive_build(*, archive_id: int) -> TenantArchive:
    """Build a queued archive (the background job)."""
    archive = TenantArchive.objects.select_related("tenant", "requested_by").get(
        pk=archive_id
    )
    if archive.status != TenantArchive.Status.PENDING:
        return archive
    try:
        with tempfile.TemporaryDirectory(prefix="bagipakai-archive-") as folder:
            path = Path(folder) / f"{archive.tenant.slug}.tar.gz"
            result = tenant_export(
                tenant=archive.tenant, path=path, actor=archive.requested_by
            )
            with open(path, "rb") as handle:
                archive.file.save(path.name, File(handle), save=False)
        archive.bytes, archive.sha256 = result.bytes, result.sha256
        archive.status = TenantArchive.Status.READY
        archive.ready_at = timezone.now()
        archive.expires_at = archive.ready_at + timedelta(hours=ARCHIVE_KEEP_HOURS)
    except Exception as exc:
        logger.exception("archive %s of %s failed", archive.pk, archive.tenant.slug)
        archive.status = TenantArchive.Status.FAILED
        archive.error = str(exc)[:1000]
    archive.save()
    return archive


def tenant_archives_expire(*, now=None) -> int:
    """Remove the files of archives past their time (periodic job)."""
    now = now or timezone.now()
    expired = 0
    for archive in TenantArchive.objects.filter(
        status=TenantArchive.Status.READY, expires_at__lte=now
    ):
        if archive.file:
            archive.file.delete(save=False)
        archive.status = TenantArchive.Status.EXPIRED
        archive.save(update_fields=["file", "status"])
        expired += 1
    return expired


def mfa_fresh(request, *, within: int = FRESH_MFA_SECONDS) -> bool:
    """Whether this session showed its second factor in the last `within` seconds."""
    from allauth.account.authentication import get_authentication_records

    now = time.time()
    return any(
        record.get("method") == "mfa" and now - float(record.get("at", 0)) <= within
        for record in get_authentication_records(request, request.user)
    )


def archive_link_token(archive: TenantArchive, user) -> str:
    return signing.dumps({"a": archive.pk, "u": user.pk}, salt=ARCHIVE_LINK_SALT)


def archive_from_link(token: str, user, *, tenant: Tenant | None = None) -> TenantArchive:
    """The archive a link names, for the person it was made for, while it lives."""
    try:
        data = signing.loads(token, salt=ARCHIVE_LINK_SALT, max_age=ARCHIVE_LINK_SECONDS)
    except signing.BadSignature:
        raise Http404(_("This download link has expired or is not valid.")) from None
    if not isinstance(data, dict) or data.get("u") != user.pk:
        raise Http404(_("This download link has expired or is not valid."))
    archive = access_archive(user, data.get("a"), tenant=tenant)
    if archive.status != TenantArchive.Status.READY or not archive.file:
        raise Http404(_("This archive is not available."))
    return archive


def archive_downloaded(*, actor, archive: TenantArchive) -> None:
    """Every download is in the public platform log (who, which organisation)."""
    with transaction.atomic():
        platform_event_append(
            kind=PlatformEvent.Kind.ARCHIVE_DOWNLOADED,
            actor=actor,
            tenant=archive.tenant,
            details={"archive_sha256": archive.sha256, "bytes": archive.bytes},
        )
