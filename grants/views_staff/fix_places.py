"""Applicants and proposals whose kecamatan/kelurahan need a register name."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tenants.forms import add_service_errors, exception_text

from .. import selectors, services
from ..access import access_place_record, staff_required
from ..forms import PlaceFixForm
from .programs import _actor


@staff_required
def places(request):
    """Applicants and proposals whose kecamatan/kelurahan no register name matched."""
    return render(
        request,
        "grants/staff/places.html",
        {**selectors.places_to_fix(), "limit": selectors.MAX_PLACES_TO_FIX},
    )


@staff_required
def place_fix(request, kind, record_id):
    record = access_place_record(request, kind, record_id)
    form = PlaceFixForm(
        request.POST or None,
        initial={
            "kecamatan_code": record.kecamatan_code,
            "kelurahan_code": record.kelurahan_code,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.place_fix(
                tenant=request.tenant,
                actor_user=request.user,
                record=record,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, exception_text(exc))
        else:
            messages.success(request, _("The kecamatan and kelurahan were saved."))
            return redirect("grants_staff_places")
    return render(
        request,
        "grants/staff/place_fix.html",
        {
            "form": form,
            "record": record,
            "kind": kind,
            "can_fix": services.can_fix_places(_actor(request)),
        },
    )
