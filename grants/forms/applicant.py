"""The applicant's forms: their profile, a proposal, its budget lines and documents."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.formsets import GrowingFormSet
from tenants.validators import validate_single_line

from ..models import Applicant
from .base import MAX_RUPIAH, PlaceFieldsMixin


class ApplicantForm(PlaceFieldsMixin, forms.ModelForm):
    """The applicant's profile: the kind first, then only that kind's fields.

    Without JavaScript both kinds' fieldsets show; the fields of the kind not
    chosen are ignored (and emptied), so typing in the wrong one does no harm.
    """

    # Fields only one kind of applicant fills in; the template groups them.
    KIND_FIELDS = {
        Applicant.Kind.ORGANISATION: ("legal_form", "registration_number", "npwp"),
        Applicant.Kind.INDIVIDUAL: ("nik",),
    }

    kind = forms.ChoiceField(
        label=_("Who is applying?"),
        choices=Applicant.Kind.choices,
        widget=forms.RadioSelect(attrs={"class": "applicant-kind"}),
        error_messages={
            "required": _(
                "Choose whether you apply as an individual or as an organisation."
            )
        },
    )

    class Meta:
        model = Applicant
        fields = [
            "kind",
            "name",
            "legal_form",
            "registration_number",
            "npwp",
            "nik",
            "address",
            "kecamatan_code",
            "kelurahan_code",
            "bank_name",
            "bank_account",
            "bank_account_name",
        ]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_place_fields()
        self.fields["name"].label = _("Name (full name, or the organisation's name)")
        self.fields["nik"].widget.attrs.update(
            inputmode="numeric", autocomplete="off", maxlength=16
        )

    @property
    def kind_fields(self) -> dict[str, list]:
        """Each kind's own fields (bound), for the template's fieldsets."""
        return {
            str(kind): [self[name] for name in names]
            for kind, names in self.KIND_FIELDS.items()
        }

    def common_fields(self) -> list:
        only = {name for names in self.KIND_FIELDS.values() for name in names}
        return [
            field
            for field in self.visible_fields()
            if field.name not in only | {"kind"}
        ]

    def _clean_fields(self):
        # The other kind's fields are not checked at all: what was typed there
        # (without JavaScript both show) must not block the form.
        kind = self.data.get(self.add_prefix("kind"), "")
        ignored = [
            name
            for other, names in self.KIND_FIELDS.items()
            if other != kind and kind in self.KIND_FIELDS
            for name in names
        ]
        for name in ignored:
            self.fields[name].required = False
            self.fields[name].validators = []
        super()._clean_fields()
        for name in ignored:
            self.errors.pop(name, None)
            self.cleaned_data[name] = ""

    def clean_name(self):
        value = self.cleaned_data["name"].strip()
        validate_single_line(value)
        return value

    def clean_npwp(self):
        value = re.sub(r"[.\-\s]", "", self.cleaned_data.get("npwp", ""))
        if value and not re.fullmatch(r"\d{15,16}", value):
            raise forms.ValidationError(_("An NPWP has 15 or 16 digits."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("kind") == Applicant.Kind.INDIVIDUAL and not data.get("nik"):
            self.add_error("nik", _("Individuals must give their NIK."))
        if data.get("kind") == Applicant.Kind.ORGANISATION and not data.get(
            "legal_form"
        ):
            self.add_error("legal_form", _("Say what kind of organisation this is."))
        self.clean_places(data)
        return data


class ProposalForm(PlaceFieldsMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=300, validators=[validate_single_line]
    )
    background = forms.CharField(
        label=_("Background"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
    )
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_place_fields()

    def clean(self):
        data = super().clean()
        self.clean_places(data)
        return data


class BudgetLineForm(forms.Form):
    item = forms.CharField(label=_("Item"), max_length=200)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=1_000_000,
        widget=forms.NumberInput(
            attrs={
                "inputmode": "numeric",
                "min": 1,
                "step": 1,
                "class": "line-quantity",
            }
        ),
    )
    unit_cost = forms.IntegerField(
        label=_("Unit cost (Rp)"),
        min_value=0,
        max_value=MAX_RUPIAH,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": 0, "step": 1, "class": "line-cost"}
        ),
    )

    def typed_total(self) -> int | None:
        """quantity × unit cost of what was typed, when both are whole numbers."""
        if self.is_bound:
            quantity = self.data.get(self.add_prefix("quantity"))
            cost = self.data.get(self.add_prefix("unit_cost"))
        else:
            quantity = (self.initial or {}).get("quantity")
            cost = (self.initial or {}).get("unit_cost")
        try:
            quantity, cost = int(quantity), int(cost)
        except (TypeError, ValueError):
            return None
        if not (0 <= quantity <= 1_000_000 and 0 <= cost <= MAX_RUPIAH):
            return None
        return quantity * cost


class BaseBudgetLineFormSet(GrowingFormSet):
    """Budget lines: one more empty line on request ("add a line" without
    JavaScript), and the running total of what was typed."""

    def running_total(self) -> int:
        return sum(form.typed_total() or 0 for form in self.forms)


BudgetLineFormSet = forms.formset_factory(
    BudgetLineForm,
    formset=BaseBudgetLineFormSet,
    # One line to start; "Add a budget line" gives more.
    extra=0,
    min_num=1,
    max_num=50,
    validate_min=True,
    validate_max=True,
)


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png"}
        ),
    )
