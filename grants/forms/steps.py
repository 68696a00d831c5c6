"""Forms of a proposal's steps: each declared transition, line corrections, amendments."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .base import DATE_WIDGET, MAX_RUPIAH, rupiah_field


class PassForm(forms.Form):
    """Pass a review stage: tick its checklist, and assign or recommend where it asks to."""

    def __init__(self, *args, stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage = stage
        for index, item in enumerate(stage.checklist):
            self.fields[f"check_{index}"] = forms.BooleanField(
                label=item, required=True
            )
        if stage.assigns_unit:
            self.fields["unit"] = forms.CharField(
                label=_("Evaluating OPD"), max_length=200
            )
        if stage.sets_amount:
            self.fields["amount"] = rupiah_field(_("Recommended amount (Rp)"))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "checklist": {
                item: bool(data.get(f"check_{index}"))
                for index, item in enumerate(self.stage.checklist)
            },
            "unit": data.get("unit", ""),
            "amount": data.get("amount"),
        }


def _note_fields() -> dict:
    return {
        "note": forms.CharField(label=_("Note"), max_length=2000, required=False),
        "note_public": forms.BooleanField(
            label=_("Show this note on the public timeline"),
            required=False,
            help_text=_("Unticked, the note stays in the back office."),
        ),
    }


# The form fields of each input a transition declares (grants/workflow.py),
# and the service argument each fills ("file": the upload the view stores).
STEP_INPUTS = {
    "reason": (
        lambda: {
            "note": forms.CharField(
                label=_("Reason (shown in public)"),
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        },
        {"note": "note"},
    ),
    "note": (_note_fields, {"note": "note", "note_public": "note_public"}),
    "approved_amount": (
        lambda: {"amount": rupiah_field(_("Approved amount (Rp)"))},
        {"amount": "amount"},
    ),
    "tranche_amount": (
        lambda: {"amount": rupiah_field(_("Tranche amount (Rp)"))},
        {"amount": "amount"},
    ),
    "nphd_number": (
        lambda: {
            "nphd_number": forms.CharField(label=_("NPHD number"), max_length=120)
        },
        {"nphd_number": "nphd_number"},
    ),
    "nphd_date": (
        lambda: {
            "nphd_date": forms.DateField(label=_("NPHD date"), widget=DATE_WIDGET)
        },
        {"nphd_date": "nphd_date"},
    ),
    "nphd_file": (
        lambda: {
            "file": forms.FileField(
                label=_("Signed NPHD (PDF)"),
                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
            )
        },
        {"file": "file"},
    ),
    "paid_on": (
        lambda: {"paid_on": forms.DateField(label=_("Paid on"), widget=DATE_WIDGET)},
        {"paid_on": "paid_on"},
    ),
    "transfer_reference": (
        lambda: {
            "transfer_reference": forms.CharField(
                label=_("Transfer reference"), max_length=100
            )
        },
        {"transfer_reference": "transfer_reference"},
    ),
    "spent_amount": (
        lambda: {"spent_amount": rupiah_field(_("Amount spent (Rp)"))},
        {"spent_amount": "spent_amount"},
    ),
    "summary": (
        lambda: {
            "note": forms.CharField(
                label=_("Summary (public)"),
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        },
        {"note": "note"},
    ),
}


class StepForm(forms.Form):
    """The form of one declared transition: a field per input it declares (a
    review stage's checklist, assignment and amount come from the stage)."""

    def __init__(self, *args, step, stage=None, **kwargs):
        # Several steps' forms share a page: each one's ids are its own.
        kwargs.setdefault("auto_id", f"id_{step.key}_%s")
        super().__init__(*args, **kwargs)
        self.step = step
        self.stage_form = None
        self._arguments: dict[str, str] = {}
        for name in step.inputs:
            if name == "stage_review":
                self.stage_form = PassForm(stage=stage)
                self.fields.update(self.stage_form.fields)
                continue
            make, arguments = STEP_INPUTS[name]
            self.fields.update(make())
            self._arguments.update(arguments)

    def service_kwargs(self) -> dict:
        """The service's keyword arguments (and "file", the upload, if any)."""
        data = self.cleaned_data
        kwargs = {
            argument: data.get(field) for field, argument in self._arguments.items()
        }
        if "note" in kwargs:
            kwargs["note"] = kwargs["note"] or ""
        if "note_public" in kwargs:
            kwargs["note_public"] = bool(kwargs["note_public"])
        if self.stage_form is not None:
            self.stage_form.cleaned_data = data
            kwargs.update(self.stage_form.service_kwargs())
        return kwargs


class LineCorrectionForm(forms.Form):
    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"q_{line.pk}"] = forms.IntegerField(
                label=_("Quantity"),
                min_value=0,
                max_value=1_000_000,
                required=False,
                initial=line.corrected_quantity,
            )
            self.fields[f"c_{line.pk}"] = forms.IntegerField(
                label=_("Unit cost (Rp)"),
                min_value=0,
                max_value=MAX_RUPIAH,
                required=False,
                initial=line.corrected_unit_cost,
            )

    def corrections(self) -> dict[int, tuple]:
        return {
            line.pk: (
                self.cleaned_data.get(f"q_{line.pk}"),
                self.cleaned_data.get(f"c_{line.pk}"),
            )
            for line in self.lines
        }


class AmendmentDecisionForm(forms.Form):
    """Confirm or decline a change of a recipient's bank account."""

    reason = forms.CharField(
        label=_("Reason (kept in the back office)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
