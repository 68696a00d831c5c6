"""Formsets that grow by one empty row on request, with or without JavaScript."""

from __future__ import annotations

from django import forms


class GrowingFormSet(forms.BaseFormSet):
    """Rows the user adds one at a time ("Add a row").

    Without JavaScript the button submits the page, and the view answers with
    `with_another_row()`: everything typed kept, one more empty row, nothing
    saved. With JavaScript (static/js/formset_rows.js) the row is added in place.
    """

    def with_another_row(self) -> GrowingFormSet:
        """The same rows as typed, with one more empty row at the end."""
        data = self.data.copy()
        key = f"{self.prefix}-TOTAL_FORMS"
        try:
            total = int(data.get(key, 0))
        except (TypeError, ValueError):
            total = self.total_form_count()
        data[key] = str(min(total + 1, self.max_num))
        return type(self)(
            data,
            self.files,
            prefix=self.prefix,
            initial=self.initial,
            form_kwargs=self.form_kwargs,
        )

    @property
    def full(self) -> bool:
        return self.total_form_count() >= self.max_num
