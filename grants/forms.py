from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from core.images import PhotoField
from tenants import register
from tenants.validators import validate_single_line

from . import places
from .models import Announcement, Applicant, Program, Regulation
from .roles import GrantRole

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RUPIAH_WIDGET = forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1})
MAX_RUPIAH = 10**15  # a thousand trillion: beyond any regional budget


def rupiah_field(label, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=MAX_RUPIAH, widget=RUPIAH_WIDGET, **kwargs
    )


class PlaceFieldsMixin:
    """A kecamatan <select> of the tenant's region and a kelurahan <select>
    grouped by kecamatan; clean() checks the pair against the register."""

    def add_place_fields(self, *, required: bool = True) -> None:
        self.home = places.home_region()
        self.places_required = required
        choose = [("", _("— choose —"))]
        self.fields["kecamatan_code"] = forms.CharField(
            label=_("Kecamatan (district)"),
            required=required,
            max_length=13,
            widget=forms.Select(
                choices=choose + places.kecamatan_choices(self.home),
                attrs={"class": "place-kecamatan"},
            ),
        )
        self.fields["kelurahan_code"] = forms.CharField(
            label=_("Kelurahan or desa (village)"),
            required=required,
            max_length=13,
            help_text=_("Grouped by kecamatan: choose one in the kecamatan above."),
            widget=forms.Select(
                choices=choose + places.kelurahan_choices(self.home),
                attrs={"class": "place-kelurahan"},
            ),
        )

    def clean_places(self, data: dict) -> None:
        if self.has_error("kecamatan_code") or self.has_error("kelurahan_code"):
            return
        if not getattr(self, "places_required", True) and not (
            data.get("kecamatan_code") or data.get("kelurahan_code")
        ):
            return  # an optional place left out
        try:
            places.place_check(
                self.home, data.get("kecamatan_code"), data.get("kelurahan_code")
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
                    self._keep_choice(field)
            else:
                self.add_error(None, exc.messages)

    def _keep_choice(self, field: str) -> None:
        """A refused register place stays selected, named in full, so the person sees it."""
        value = self.data.get(self.add_prefix(field), "")
        place = register.region(value)
        widget = self.fields[field].widget
        known = set()
        for code, label in widget.choices:
            known |= {c for c, _name in label} if isinstance(label, list) else {code}
        if place is not None and value not in known:
            widget.choices = [*widget.choices, (value, register.path(place))]


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


class PlaceFixForm(PlaceFieldsMixin, forms.Form):
    """Staff choose the register kecamatan/kelurahan of an old record."""

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


class BaseBudgetLineFormSet(forms.BaseFormSet):
    """Budget lines: one more empty line on request ("add a line" without
    JavaScript), and the running total of what was typed."""

    def with_another_line(self) -> BaseBudgetLineFormSet:
        """The same lines as typed, with one more empty line at the end."""
        data = self.data.copy()
        key = f"{self.prefix}-TOTAL_FORMS"
        try:
            total = int(data.get(key, 0))
        except (TypeError, ValueError):
            total = self.total_form_count()
        data[key] = str(min(total + 1, self.max_num))
        return type(self)(data, prefix=self.prefix)

    @property
    def full(self) -> bool:
        return self.total_form_count() >= self.max_num

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


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Announcement
        fields = ["title", "body", "published_on", "is_published"]
        widgets = {
            "published_on": DATE_WIDGET,
            "body": forms.Textarea(attrs={"rows": 8}),
        }

    def clean_title(self):
        value = self.cleaned_data["title"].strip()
        validate_single_line(value)
        return value


class RegulationForm(forms.ModelForm):
    class Meta:
        model = Regulation
        fields = ["number", "title", "year", "summary", "url"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].min_value = 1945
        self.fields["year"].max_value = 9999
        self.fields["year"].widget.attrs.update(min=1945, max=9999)
        self.fields["year"].validators = [
            MinValueValidator(1945),
            MaxValueValidator(9999),
        ]

    def clean_number(self):
        value = self.cleaned_data["number"].strip()
        validate_single_line(value)
        return value

    def clean_title(self):
        value = self.cleaned_data["title"].strip()
        validate_single_line(value)
        return value


class CitizenReportForm(PlaceFieldsMixin, forms.Form):
    """A citizen's report about a program or a proposal, with an optional photo;
    name and contact are optional and private. A report about a program in
    general may say where (kecamatan and kelurahan, from the register)."""

    message = forms.CharField(
        label=_("What do you want to report?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "For example: the activity did not take place, the amount looks wrong, "
            "the recipient does not exist. At most 2000 characters; the text is not "
            "published."
        ),
    )
    reporter_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=200,
        required=False,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reporter_contact = forms.CharField(
        label=_("Phone or e-mail (optional)"),
        max_length=200,
        required=False,
        validators=[validate_single_line],
        help_text=_(
            "Only staff see your name and contact, to ask you more. Leave an e-mail "
            "address to receive the answer."
        ),
    )
    photo = PhotoField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_(
            "A JPEG, PNG or WebP photo of at most 8 MB. Only staff see it; its "
            "location and camera data are removed before it is kept."
        ),
    )

    def __init__(self, *args, with_place: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_place:
            self.add_place_fields(required=False)
            self.fields["kecamatan_code"].label = _("Kecamatan (optional)")
            self.fields["kelurahan_code"].label = _("Kelurahan or desa (optional)")
            self.fields["kecamatan_code"].help_text = _(
                "Where it happened, if it is about one place."
            )
            # Asked after the text, before the name and contact.
            self.order_fields(
                [
                    "message",
                    "kecamatan_code",
                    "kelurahan_code",
                    "photo",
                    "reporter_name",
                    "reporter_contact",
                ]
            )

    def clean(self):
        data = super().clean()
        if "kecamatan_code" in self.fields:
            self.clean_places(data)
        return data


class ReportAnswerForm(forms.Form):
    response = forms.CharField(
        label=_("Answer (public)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Shown to anyone with the tracking code; do not repeat the reporter's "
            "name or contact."
        ),
    )
    close = forms.BooleanField(
        label=_("Close the report (no further answer)"), required=False
    )


class TrackingCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )

    def clean_code(self):
        from .services import normalise_tracking_code

        code = normalise_tracking_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(
                _("A tracking code has 10 letters and digits, e.g. K7QX-M2PA-9T.")
            )
        return code


class AmendmentDecisionForm(forms.Form):
    """Confirm or decline a change of a recipient's bank account."""

    reason = forms.CharField(
        label=_("Reason (kept in the back office)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
