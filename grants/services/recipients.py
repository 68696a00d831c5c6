"""Applicants' profiles, and amendments of a recipient's data after an award."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tenants.models import User

from ..models import Applicant


def applicant_save(*, user: User, **fields) -> Applicant:
    """Create or update the signed-in person's applicant profile."""
    applicant = Applicant.objects.filter(user_id=user.pk).first() or Applicant(
        user_id=user.pk
    )
    for name, value in fields.items():
        setattr(applicant, name, value.strip() if isinstance(value, str) else value)
    if applicant.kind == Applicant.Kind.INDIVIDUAL and not applicant.nik:
        raise ValidationError({"nik": [_("Individuals must give their NIK.")]})
    applicant.full_clean()
    applicant.save()
    return applicant
