"""Organisation archives on the web: asked for, built in the background, downloaded.

On a tenant's host its administrators see `/dashboard/archive/`; on the
platform host operators holding `tenants.export_tenant` see
`/operator/archives/`. Downloading asks for a second factor shown in the last
few minutes, then hands out a signed link that lives two minutes and names
the person (tenants/archive/downloads.py); each download is in the platform log.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .access import MANAGE_ROLES, access_tenant, operator_required
from .archive import downloads
from .mfa import enrolled_at, enrolment_url, second_factor_url
from .models import Tenant, TenantArchive


def _tenant(request):
    tenant = getattr(request, "tenant", None)
    return None if tenant is None or tenant.is_platform else tenant


def _signed_in(view):
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


@_signed_in
def tenant_archives(request):
    """The organisation's own archives (administrators only)."""
    tenant = _tenant(request)
    if tenant is None:
        raise Http404(_("No such archive."))
    access_tenant(request, roles=MANAGE_ROLES)
    if request.method == "POST":
        downloads.tenant_archive_request(actor=request.user, tenant=tenant)
        messages.success(
            request,
            _("The archive is being prepared. Come back to this page in a few minutes."),
        )
        return redirect("tenant_archives")
    return render(
        request,
        "tenants/archives.html",
        {
            "archives": TenantArchive.objects.filter(tenant=tenant)[:20],
            "download_url": "tenant_archive_download",
        },
    )


@operator_required(downloads.EXPORT_PERMISSION)
def operator_archives(request):
    error = ""
    if request.method == "POST":
        slug = request.POST.get("slug", "").strip().lower()[:63]
        tenant = Tenant.objects.filter(slug=slug).exclude(kind=Tenant.Kind.PLATFORM).first()
        if tenant is None:
            error = _("There is no organisation with that subdomain.")
        else:
            downloads.tenant_archive_request(actor=request.user, tenant=tenant)
            messages.success(
                request,
                _("The archive of %(name)s is being prepared.") % {"name": tenant.name},
            )
            return redirect("desk_archives")
    return render(
        request,
        "platform/desk/archives.html",
        {
            "archives": TenantArchive.objects.select_related("tenant")[:50],
            "error": error,
            "slug": request.POST.get("slug", "")[:63],
            "download_url": "desk_archive_download",
        },
        status=400 if error else 200,
    )


def _admin_here(request) -> None:
    """On a tenant's host: its administrators only (403 for everyone else, as on
    every member page); operators use the platform host."""
    if _tenant(request) is not None:
        access_tenant(request, roles=MANAGE_ROLES)


def _download(request, archive_id, *, file_route):
    _admin_here(request)
    archive = downloads.access_archive(request.user, archive_id, tenant=_tenant(request))
    if archive.status != TenantArchive.Status.READY:
        raise Http404(_("This archive is not available."))
    if not downloads.mfa_fresh(request):
        if enrolled_at(request.user) is None:
            messages.info(
                request,
                _(
                    "An archive holds personal data: downloading it needs two-step "
                    "sign-in. Set up an authenticator app or a security key first."
                ),
            )
            return redirect(enrolment_url(request.get_full_path()))
        return redirect(second_factor_url(request.user, request.get_full_path()))
    token = downloads.archive_link_token(archive, request.user)
    return redirect(f"{reverse(file_route, args=[archive.pk])}?{urlencode({'t': token})}")


def _file(request, archive_id):
    _admin_here(request)
    archive = downloads.archive_from_link(
        request.GET.get("t", ""), request.user, tenant=_tenant(request)
    )
    if archive.pk != archive_id:
        raise Http404(_("This download link has expired or is not valid."))
    handle = archive.file.open("rb")
    downloads.archive_downloaded(actor=request.user, archive=archive)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{archive.tenant.slug}-{archive.created_at:%Y%m%d-%H%M}.tar.gz",
        content_type="application/gzip",
    )
    response["Cache-Control"] = "no-store"
    return response


@_signed_in
def tenant_archive_download(request, archive_id):
    return _download(request, archive_id, file_route="tenant_archive_file")


@_signed_in
def tenant_archive_file(request, archive_id):
    return _file(request, archive_id)


@operator_required(downloads.EXPORT_PERMISSION)
def desk_archive_download(request, archive_id):
    return _download(request, archive_id, file_route="desk_archive_file")


@operator_required(downloads.EXPORT_PERMISSION)
def desk_archive_file(request, archive_id):
    return _file(request, archive_id)

