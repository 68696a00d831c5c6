"""A program and its review stages, as the staff set them up."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Program
from ..roles import GrantRole
from .base import DATE_WIDGET, MAX_RUPIAH, RUPIAH_WIDGET


class ProgramForm(forms.ModelForm):
    required_documents = forms.CharField(
        label=_("Required documents"),
        required=False,
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = Program
        fields = [
            "name",
            "kind",
            "fiscal_year",
            "budget",
            "responsible_unit",
            "opens_on",
            "closes_on",
            "applicants",
            "eligibility",
            "report_due_days",
            "separation_of_duties",
        ]
        widgets = {
            "opens_on": DATE_WIDGET,
            "closes_on": DATE_WIDGET,
            "budget": RUPIAH_WIDGET,
            "applicants": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["required_documents"] = "\n".join(
                self.instance.required_documents
            )

    def clean_budget(self):
        value = self.cleaned_data["budget"]
        if value is None or value < 0 or value > MAX_RUPIAH:
            raise forms.ValidationError(_("Give the budget ceiling in rupiah."))
        return value

    def clean_required_documents(self):
        lines = [
            line.strip()
            for line in self.cleaned_data["required_documents"].splitlines()
        ]
        return [line[:200] for line in lines if line][:30]

    def clean(self):
        data = super().clean()
        if (
            data.get("opens_on")
            and data.get("closes_on")
            and data["closes_on"] < data["opens_on"]
        ):
            self.add_error("closes_on", _("The window must close after it opens."))
        return data


class StageForm(forms.Form):
    name = forms.CharField(label=_("Stage"), max_length=200)
    role = forms.ChoiceField(label=_("Acting role"), choices=GrantRole.choices)
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        help_text=_("One item per line."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    sets_amount = forms.BooleanField(label=_("Recommends an amount"), required=False)
    assigns_unit = forms.BooleanField(
        label=_("Assigns the evaluating OPD"), required=False
    )

    def as_stage(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "role": data["role"],
            "checklist": [
                line.strip() for line in data["checklist"].splitlines() if line.strip()
            ],
            "sets_amount": data["sets_amount"],
            "assigns_unit": data["assigns_unit"],
        }


StageFormSet = forms.formset_factory(
    StageForm,
    extra=1,
    min_num=1,
    max_num=15,
    validate_min=True,
    validate_max=True,
    can_delete=True,
)
