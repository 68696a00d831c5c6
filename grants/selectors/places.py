"""Applicants and proposals whose kecamatan/kelurahan still lack register codes."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

from ..models import Applicant, Proposal

# --- kecamatan/kelurahan to fix --------------------------------------------------

# The fix page lists at most this many records of each kind (oldest first).
MAX_PLACES_TO_FIX = 200


def _unplaced(queryset):
    return queryset.filter(Q(kecamatan_code="") | Q(kelurahan_code=""))


def places_to_fix() -> dict:
    """Applicants and proposals without register codes (old free text): two queries."""
    applicants = list(
        _unplaced(Applicant.objects)
        .only("pk", "kind", "name", "kecamatan", "kelurahan", "kecamatan_code")
        .order_by("pk")[:MAX_PLACES_TO_FIX]
    )
    proposals = list(
        _unplaced(Proposal.objects)
        .select_related("applicant", "program")
        .only(
            "pk",
            "title",
            "kecamatan",
            "kelurahan",
            "kecamatan_code",
            "applicant__name",
            "program__name",
        )
        .order_by("pk")[:MAX_PLACES_TO_FIX]
    )
    return {"applicants": applicants, "proposals": proposals}


def places_to_fix_count() -> int:
    """How many applicants and proposals wait for a register kecamatan/kelurahan (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM grants_applicant"
            "        WHERE kecamatan_code = '' OR kelurahan_code = '')"
            " + (SELECT count(*) FROM grants_proposal"
            "    WHERE kecamatan_code = '' OR kelurahan_code = '')"
        )
        return cursor.fetchone()[0]
