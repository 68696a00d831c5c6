"""Field validators shared by forms and models."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_single_line(value: str) -> None:
    """Names end up in e-mail headers and page titles: no line breaks or control characters."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value or ""):
        raise ValidationError(
            _("Use a single line without control characters."),
            code="control_characters",
        )


def validate_plain_text(value: str) -> None:
    """Free text may have line breaks and tabs, but no other control characters."""
    if any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in value or ""):
        raise ValidationError(
            _("Remove the control characters from the text."),
            code="control_characters",
        )
