"""Sabilulungan inside a tenant."""

from __future__ import annotations

from django.shortcuts import render

from catalog.models import Adoption
from catalog.selectors import hosted_app_for_module
from tenants.access import member_required


@member_required()
def module_home(request):
    """What this tenant runs: the app, on which agreement, in which release."""
    app = hosted_app_for_module("grants")
    adoption = (
        Adoption.objects.filter(
            adopter=request.tenant, app=app, status=Adoption.Status.ACTIVE
        )
        .select_related("agreement", "release")
        .first()
        if app is not None
        else None
    )
    return render(
        request,
        "grants/home.html",
        {
            "app": app,
            "adoption": adoption,
            "is_publisher": app is not None and app.publisher_id == request.tenant.pk,
        },
    )
