"""The verification desk: platform operators' pages on the platform host.

Every view here goes through tenants.access.operator_required (anonymous users
are sent to sign in, everyone else without the permission gets 403), including
the letter download; tests/tenants/test_desk.py walks the URLs to prove it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.storage import private_download

from . import selectors, services
from .access import VERIFY_PERMISSION, operator_required
from .forms import VerificationDecisionForm, add_service_errors
from .hosts import tenant_url

QUEUE_PAGE_SIZE = 20


def _request_or_404(request_id: int):
    found = selectors.verification_request_for_desk(request_id)
    if found is None or found.tenant.is_deleted:
        raise Http404(_("No such verification request."))
    return found


@operator_required(VERIFY_PERMISSION)
def queue(request):
    page = Paginator(selectors.verification_queue(), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "request": item,
            "tenant": item.tenant,
            "email": selectors.email_domain_evidence(
                item.first_admin_email, item.tenant
            ),
        }
        for item in page
    ]
    return render(request, "platform/desk/queue.html", {"page": page, "rows": rows})


def _detail(request, item, *, verify_form=None, refuse_form=None, status=200):
    tenant = item.tenant
    return render(
        request,
        "platform/desk/request.html",
        {
            "item": item,
            "tenant": tenant,
            "register": selectors.register_evidence(tenant),
            "conflicts": selectors.tenant_conflicts(tenant),
            "email": selectors.email_domain_evidence(item.first_admin_email, tenant),
            "history": selectors.verification_history(tenant),
            "tenant_home": tenant_url(tenant, "/", request),
            "verify_form": verify_form or VerificationDecisionForm(prefix="verify"),
            "refuse_form": refuse_form
            or VerificationDecisionForm(prefix="refuse", reason_required=True),
        },
        status=status,
    )


@operator_required(VERIFY_PERMISSION)
def request_detail(request, request_id):
    return _detail(request, _request_or_404(request_id))


@operator_required(VERIFY_PERMISSION)
def letter(request, request_id):
    """The uploaded letter, to operators only, as a download (never rendered inline
    by the platform's origin as anything but a PDF)."""
    item = _request_or_404(request_id)
    if not item.letter:
        raise Http404(_("This request has no letter."))
    return private_download(
        item.letter.name,
        storage=item.letter.storage,
        content_type="application/pdf",
        filename=f"{item.tenant.slug}-letter-{item.pk}.pdf",
        headers={"Content-Security-Policy": "sandbox"},
    )


def _decide(request, request_id, *, verify: bool):
    item = _request_or_404(request_id)
    prefix = "verify" if verify else "refuse"
    form = VerificationDecisionForm(
        request.POST, prefix=prefix, reason_required=not verify
    )
    if form.is_valid():
        service = (
            services.tenant_verify if verify else services.tenant_refuse_verification
        )
        try:
            service(
                actor=request.user,
                tenant=item.tenant,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                (
                    _("%(name)s is verified; its administrators were told by e-mail.")
                    if verify
                    else _(
                        "The request of %(name)s was refused; its administrators were told why by e-mail."
                    )
                )
                % {"name": item.tenant.name},
            )
            return redirect("desk_queue")
    forms = {"verify_form": form} if verify else {"refuse_form": form}
    return _detail(request, item, status=400, **forms)


@operator_required(VERIFY_PERMISSION)
@require_POST
def verify(request, request_id):
    return _decide(request, request_id, verify=True)


@operator_required(VERIFY_PERMISSION)
@require_POST
def refuse(request, request_id):
    return _decide(request, request_id, verify=False)
