"""Text that people type: no invisible control characters.

Every form field of the site that takes text is a `django.forms.CharField` (or a
subclass: e-mail, URL, slug, the admin's and allauth's fields). `CoreConfig.ready`
extends `CharField.to_python` with the rule below, so every form of every app —
ours, the admin's and allauth's — refuses control characters with a field error
and shows the form again with what was typed, instead of passing them on to
PostgreSQL (which refuses NUL with an error), to e-mail headers or to a CSV.

Tab, carriage return and line feed are what multi-line text is made of: they stay
allowed in a textarea. A single-line field has no use for them (its surrounding
whitespace is stripped before the check).
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls, DEL and C1 controls.
SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The same without tab, LF and CR.
MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# What a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def thousands(number: int) -> str:
    """An integer with Indonesian digit grouping: 1500000 → '1.500.000'."""
    return f"{number:,}".replace(",", ".")


def spreadsheet_safe(value) -> object:
    """A CSV cell that opens as text, never as a formula: people's own words
    starting with = + - @ get a leading apostrophe; None becomes empty."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def validate_single_line(value: str) -> None:
    """Names end up in e-mail headers and page titles: no line breaks or control
    characters."""
    if value and SINGLE_LINE.search(value):
        raise ValidationError(
            _("Use a single line without control characters."),
            code="control_characters",
        )


def validate_plain_text(value: str) -> None:
    """Free text may have line breaks and tabs, but no other control characters."""
    if value and MULTI_LINE.search(value):
        raise ValidationError(
            _("Remove the control characters from the text."),
            code="control_characters",
        )


_char_field_to_python = forms.CharField.to_python


def _to_python(self, value):
    value = _char_field_to_python(self, value)
    if isinstance(value, str):
        if isinstance(self.widget, forms.Textarea):
            validate_plain_text(value)
        else:
            validate_single_line(value)
    return value


def refuse_control_characters_in_forms() -> None:
    """Called once, from CoreConfig.ready()."""
    if forms.CharField.to_python is not _to_python:
        forms.CharField.to_python = _to_python
