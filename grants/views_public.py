"""The public transparency portal (no login)."""

from __future__ import annotations

from django.shortcuts import render


def portal(request):
    return render(request, "grants/public/portal.html", {})
