from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.formsets import GrowingFormSet
from tenants.models import Tenant
from tenants.validators import validate_single_line

from .labels import language_label
from .models import Adoption, Agreement, CatalogApp, Release
from .publiccode.importing import english_language, line, text
from .publiccode.issues import show
from .publiccode.rules import (
    LONG_DESCRIPTION_MAX,
    LONG_DESCRIPTION_MIN,
    SHORT_DESCRIPTION_MAX,
    description_issues,
    description_path,
)
from .publiccode.values import is_email, is_http_url, is_language, is_spdx_expression
from .vocabularies import (
    CATEGORY_CHOICES,
    PLATFORM_CHOICES,
    SCOPE_CHOICES,
    SOFTWARE_TYPES,
    contractors_problem,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AdoptionRequestForm(forms.Form):
    purpose = forms.CharField(
        label=_("What will your organisation use it for?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    contact_email = forms.EmailField(label=_("Contact e-mail"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UsageForm(forms.Form):
    usage = forms.ChoiceField(label=_("Used as"), choices=Adoption.Usage.choices)
    release = forms.ModelChoiceField(
        label=_("Release in use"), queryset=Release.objects.none(), required=False
    )

    def __init__(self, *args, app: CatalogApp, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["release"].queryset = Release.objects.filter(app=app)
        self.fields["release"].empty_label = _("— not stated —")


class AgreementFieldsForm(forms.Form):
    """The fields of an agreement, used on its own and inside approval."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Agreement.Kind.choices)
    number = forms.CharField(label=_("Number"), max_length=120)
    title = forms.CharField(label=_("Title"), max_length=300)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE_WIDGET)
    signed_at_place = forms.CharField(label=_("Place of signing"), max_length=200)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_WIDGET)
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=DATE_WIDGET
    )
    first_signatory = forms.CharField(
        label=_("Signatory for your organisation"),
        max_length=200,
        help_text=_("Name and position, e.g. Wali Kota Bandung."),
    )
    second_signatory = forms.CharField(
        label=_("Signatory for the other party"), max_length=200
    )
    document = forms.FileField(
        label=_("Signed document (PDF, optional)"),
        required=False,
        help_text=_("PDF only, at most %(mb)d MB.")
        % {"mb": settings.MAX_PDF_UPLOAD_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("valid_from")
            and data.get("valid_until")
            and data["valid_until"] < data["valid_from"]
        ):
            self.add_error(
                "valid_until", _("The agreement cannot end before it starts.")
            )
        return data


class AgreementForm(AgreementFieldsForm):
    counterparty = forms.ModelChoiceField(
        label=_("Other party"), queryset=Tenant.objects.none(), to_field_name="slug"
    )

    field_order = ["counterparty"]

    def __init__(self, *args, tenant: Tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counterparty"].queryset = (
            Tenant.objects.exclude(pk=tenant.pk)
            .exclude(kind=Tenant.Kind.PLATFORM)
            .filter(is_active=True)
            .order_by("name")
        )


class AgreementAmendForm(AgreementFieldsForm):
    """New terms for a confirmed agreement, starting from the terms in force."""

    def __init__(self, *args, agreement: Agreement, **kwargs):
        kwargs.setdefault(
            "initial", {name: getattr(agreement, name) for name in Agreement.TERMS}
        )
        super().__init__(*args, **kwargs)
        self.fields["first_signatory"].label = _("Signatory for %(party)s") % {
            "party": agreement.first_party.name
        }
        self.fields["first_signatory"].help_text = ""
        self.fields["second_signatory"].label = _("Signatory for %(party)s") % {
            "party": agreement.second_party.name
        }
        self.fields["document"].label = _(
            "Signed document of the amendment (PDF, optional)"
        )
        self.fields["document"].help_text = _(
            "Leave empty to keep the document in force."
        )


class AgreementEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE_WIDGET)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReplaceAgreementForm(forms.Form):
    agreement = forms.ModelChoiceField(
        label=_("New agreement"), queryset=Agreement.objects.none()
    )

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = agreements


class ApproveForm(AgreementFieldsForm):
    """Approve under an existing agreement between the two, or record a new one."""

    existing = forms.ModelChoiceField(
        label=_("Existing agreement"),
        queryset=Agreement.objects.none(),
        required=False,
        help_text=_(
            "Choose an agreement both organisations confirmed, or fill in a new one below: the other organisation will be asked to confirm it before the app can be used."
        ),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False)

    field_order = ["existing"]

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["existing"].queryset = agreements
        if self.data.get(self.add_prefix("existing")):
            for name in AgreementFieldsForm.base_fields:
                self.fields[name].required = False


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


# What the form lets one entry list; more is refused, never cut silently.
MAX_FEATURES = 30
MAX_CONTACTS = 10
MAX_CONTRACTORS = 10


def validate_web_address(value: str) -> None:
    """A web address (http or https), as the standard wants its links."""
    if value and not is_http_url(value):
        raise forms.ValidationError(
            _("%(value)s is not a web address (http or https).")
            % {"value": show(value)}
        )


class ContractorForm(forms.Form):
    """One contractor (publiccode.yml maintenance.contractors[])."""

    name = forms.CharField(
        label=_("Name"), max_length=200, validators=[validate_single_line]
    )
    until = forms.DateField(
        label=_("Contract ends"),
        widget=DATE_WIDGET,
        help_text=_("The date the maintenance contract ends."),
    )
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    website = forms.CharField(
        label=_("Website"),
        max_length=500,
        required=False,
        validators=[validate_web_address],
        widget=forms.URLInput,
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email and not is_email(email):
            raise forms.ValidationError(
                _("%(value)s is not an e-mail address.") % {"value": show(email)}
            )
        return email


ContractorFormSet = forms.formset_factory(
    ContractorForm,
    formset=GrowingFormSet,
    # One empty row to start; "Add a contractor" gives more.
    extra=1,
    can_delete=True,
    max_num=MAX_CONTRACTORS,
    validate_max=True,
)


class CatalogAppForm(forms.Form):
    """A catalog entry as its publisher writes it, to publiccode.yml's rules.

    The description in the main language is a whole publiccode.yml
    description block (short and long description, features), and so is the
    English one when any English text is given; both are checked by the rules
    a file is checked by (catalog.publiccode.rules), so the entry's export is
    valid. Contractors are rows of `contractors` (a formset), named when
    maintenance is by contract and only then (vocabularies.contractors_problem).
    """

    name = forms.CharField(
        label=_("Name"), max_length=120, validators=[validate_single_line]
    )
    # Labelled with the entry's main language when the form is made.
    short_description_id = forms.CharField(max_length=SHORT_DESCRIPTION_MAX)
    long_description_id = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    features = forms.CharField(
        label=_("Features"),
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    short_description_en = forms.CharField(
        label=_("Short description (English)"),
        max_length=SHORT_DESCRIPTION_MAX,
        required=False,
    )
    long_description_en = forms.CharField(
        label=_("Description (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    features_en = forms.CharField(
        label=_("Features (English)"),
        required=False,
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=CATEGORY_CHOICES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    scope = forms.MultipleChoiceField(
        label=_("Scope"),
        choices=SCOPE_CHOICES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    development_status = forms.ChoiceField(
        label=_("Development status"), choices=CatalogApp.DevelopmentStatus.choices
    )
    software_type = forms.ChoiceField(
        label=_("Software type"),
        choices=[(t, t) for t in SOFTWARE_TYPES],
        initial="standalone/web",
    )
    delivery_mode = forms.ChoiceField(
        label=_("Delivery"), choices=CatalogApp.Delivery.choices
    )
    hosted_module = forms.CharField(
        label=_("Hosted module"),
        required=False,
        max_length=40,
        help_text=_("Only for apps hosted on BagiPakai, e.g. grants for Sabilulungan."),
    )
    license = forms.CharField(
        label=_("Licence (SPDX identifier)"),
        max_length=100,
        help_text=_("e.g. AGPL-3.0-or-later, MIT, EUPL-1.2."),
    )
    url = forms.URLField(label=_("Source repository URL"), max_length=300)
    documentation_url = forms.URLField(
        label=_("Documentation URL"),
        max_length=300,
        required=False,
        validators=[validate_web_address],
    )
    landing_url = forms.URLField(
        label=_("Website or demo URL"),
        max_length=300,
        required=False,
        validators=[validate_web_address],
    )
    platforms = forms.MultipleChoiceField(
        label=_("Platforms"),
        choices=PLATFORM_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label=_("Languages"),
        initial="id",
        max_length=100,
        help_text=_("Language codes separated by commas, e.g. id, en."),
    )
    maintenance_type = forms.ChoiceField(
        label=_("Maintenance"), choices=CatalogApp.Maintenance.choices
    )
    contacts = forms.CharField(
        label=_("Maintenance contacts"),
        required=False,
        help_text=_("One per line: name; e-mail; phone; affiliation."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    logo = forms.ImageField(
        label=_("Logo (PNG, JPEG or WebP)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp"}
        ),
    )

    # The fields of a publiccode.yml description block, by language.
    MAIN_BLOCK = {
        "shortDescription": "short_description_id",
        "longDescription": "long_description_id",
        "features": "features",
        "documentation": "documentation_url",
    }
    ENGLISH_BLOCK = {
        "shortDescription": "short_description_en",
        "longDescription": "long_description_en",
        "features": "features_en",
    }
    ENGLISH_FIELDS = tuple(ENGLISH_BLOCK.values())

    def __init__(self, *args, app: CatalogApp | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The language whose texts the main fields hold (id unless an imported
        # file had no Indonesian), and the one of the English fields (an
        # imported file's en-GB stays en-GB).
        self.main_language = (app.description_language if app else "") or "id"
        blocks = ((app.publiccode or {}).get("description") or {}) if app else {}
        self.english_language = english_language(blocks, self.main_language) or "en"
        language = language_label(self.main_language)
        self.fields["short_description_id"].label = _(
            "Short description (%(language)s)"
        ) % {"language": language}
        self.fields["long_description_id"].label = _("Description (%(language)s)") % {
            "language": language
        }
        if self.english_is_main:
            # An English-only entry: its main fields are the English texts.
            for name in self.ENGLISH_FIELDS:
                del self.fields[name]
        if app:
            # publiccode.yml names platforms freely (web, windows… are examples):
            # an imported entry's own are offered too, so editing keeps them.
            known = {value for value, _label in PLATFORM_CHOICES}
            self.fields["platforms"].choices = PLATFORM_CHOICES + [
                (value, value) for value in app.platforms if value not in known
            ]
        self.fields["long_description_id"].help_text = _(
            "At least %(min)d and at most %(max)d characters, as publiccode.yml asks."
        ) % {"min": LONG_DESCRIPTION_MIN, "max": LONG_DESCRIPTION_MAX}
        if "long_description_en" in self.fields:
            self.fields["long_description_en"].help_text = self.fields[
                "long_description_id"
            ].help_text
        self.contractors = ContractorFormSet(
            self.data if self.is_bound else None,
            prefix="contractors",
            initial=[
                {
                    "name": row.name,
                    "until": row.until,
                    "email": row.email,
                    "website": row.website,
                }
                for row in app.contractors.all()
            ]
            if app
            else None,
        )

    @property
    def english_is_main(self) -> bool:
        return self.english_language == self.main_language

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.contractors.is_valid() and valid

    def clean_license(self):
        value = self.cleaned_data["license"].strip()
        if not is_spdx_expression(value):
            raise forms.ValidationError(
                _(
                    "Write an SPDX licence expression, e.g. MIT or EUPL-1.2 OR GPL-3.0-or-later."
                )
            )
        return value

    def _texts(self, name: str) -> str:
        # As the export writes it (Unix line ends, no surrounding space), so
        # the length checked is the length exported.
        return text(self.cleaned_data[name])

    def clean_long_description_id(self):
        return self._texts("long_description_id")

    def clean_long_description_en(self):
        return self._texts("long_description_en")

    def _features(self, name: str) -> list[str]:
        features = [line(item) for item in _lines(self.cleaned_data[name])]
        if len(features) > MAX_FEATURES:
            raise forms.ValidationError(
                _("List at most %(max)d features; this lists %(count)d.")
                % {"max": MAX_FEATURES, "count": len(features)}
            )
        return features

    def clean_features(self):
        return self._features("features")

    def clean_features_en(self):
        return self._features("features_en")

    def clean_languages(self):
        codes = []
        for code in self.cleaned_data["languages"].split(","):
            code = code.strip()
            if not code:
                continue
            if not is_language(code):
                raise forms.ValidationError(
                    _("%(value)s is not a language tag such as id, en or pt-BR.")
                    % {"value": show(code)}
                )
            primary, *rest = code.split("-")
            codes.append("-".join([primary.lower(), *rest]))
        if not codes:
            raise forms.ValidationError(
                self.fields["languages"].error_messages["required"], code="required"
            )
        return codes

    def clean_contacts(self):
        contacts = []
        for number, entry in enumerate(_lines(self.cleaned_data["contacts"]), start=1):
            parts = [p.strip() for p in entry.split(";")]
            parts += [""] * (4 - len(parts))
            name, email, phone, affiliation = parts[:4]
            if not name:
                raise forms.ValidationError(
                    _("Line %(n)d: the name is missing.") % {"n": number}
                )
            if email and not is_email(email):
                raise forms.ValidationError(
                    _("Line %(n)d: “%(email)s” is not an e-mail address.")
                    % {"n": number, "email": email}
                )
            contacts.append(
                {
                    k: v
                    for k, v in {
                        "name": name,
                        "email": email,
                        "phone": phone,
                        "affiliation": affiliation,
                    }.items()
                    if v
                }
            )
        if len(contacts) > MAX_CONTACTS:
            raise forms.ValidationError(
                _("Name at most %(max)d contacts; this names %(count)d.")
                % {"max": MAX_CONTACTS, "count": len(contacts)}
            )
        return contacts

    def clean(self):
        data = super().clean()
        self._check_descriptions()
        self._check_contractors(data.get("maintenance_type"))
        return data

    def _check_descriptions(self) -> None:
        """The standard's rules on the description blocks this entry will export."""
        blocks = {self.main_language: self.MAIN_BLOCK}
        if not self.english_is_main and any(
            self.data.get(self.add_prefix(name), "").strip()
            for name in self.ENGLISH_FIELDS
        ):
            blocks[self.english_language] = self.ENGLISH_BLOCK
        documents, fields_at = {}, {}
        for language, block in blocks.items():
            # What is left empty is absent from the block, as in the export.
            documents[language] = {
                key: self.cleaned_data[name]
                for key, name in block.items()
                if self.cleaned_data.get(name)
            }
            for key, name in block.items():
                fields_at[f"{description_path(language)}.{key}"] = name
        for issue in description_issues(documents):
            name = fields_at.get(issue.path)
            # A field refused already (left empty, too long) says so once.
            if name is None or name not in self.errors:
                self.add_error(name, issue.message)

    def _check_contractors(self, maintenance_type) -> None:
        if maintenance_type is None or not self.contractors.is_valid():
            return
        problem = contractors_problem(maintenance_type, self.contractor_rows() or None)
        if problem:
            self.add_error("maintenance_type", problem)

    def contractor_rows(self) -> list[dict]:
        """The contractors as typed: rows neither empty nor marked for removal."""
        return [
            {key: row[key] for key in ("name", "until", "email", "website")}
            for row in self.contractors.cleaned_data
            if row and not row.get("DELETE")
        ]

    @classmethod
    def initial_for(cls, app: CatalogApp) -> dict:
        return {
            **{
                name: getattr(app, name)
                for name in cls.base_fields
                if name
                not in {"features", "features_en", "languages", "contacts", "logo"}
            },
            "features": "\n".join(app.features),
            "features_en": "\n".join(app.features_en),
            "languages": ", ".join(app.languages),
            "contacts": "\n".join(
                "; ".join(
                    c.get(k, "") for k in ("name", "email", "phone", "affiliation")
                ).rstrip("; ")
                for c in app.contacts
            ),
        }

    def service_fields(self) -> dict:
        """What app_create / app_update take, contractors included."""
        fields = {k: v for k, v in self.cleaned_data.items() if k != "logo"}
        if self.english_is_main:
            fields["short_description_en"] = fields["short_description_id"]
            fields["long_description_en"] = fields["long_description_id"]
        fields["contractors"] = self.contractor_rows()
        return fields

    def fieldsets(self) -> list[tuple[str, str, list, bool]]:
        """(legend, note, fields, with the contractors) in the page's order."""
        groups = [
            (
                _("Description"),
                "",
                (
                    "name",
                    "short_description_id",
                    "long_description_id",
                    "features",
                ),
            ),
            (
                _("In English (optional)"),
                _(
                    "To describe the app in English too, fill in all three: the "
                    "short description, the description and the features."
                ),
                self.ENGLISH_FIELDS,
            ),
            (
                _("The software"),
                "",
                (
                    "categories",
                    "scope",
                    "development_status",
                    "software_type",
                    "delivery_mode",
                    "hosted_module",
                    "license",
                    "url",
                    "documentation_url",
                    "landing_url",
                    "platforms",
                    "languages",
                    "logo",
                ),
            ),
            (_("Maintenance"), "", ("maintenance_type", "contacts")),
        ]
        return [
            (
                legend,
                note,
                [self[name] for name in names if name in self.fields],
                "maintenance_type" in names,
            )
            for legend, note, names in groups
            if any(name in self.fields for name in names)
        ]


class ReleaseForm(forms.Form):
    version = forms.RegexField(
        label=_("Version"), regex=r"^[0-9A-Za-z][0-9A-Za-z.\-+_]{0,39}$", max_length=40
    )
    released_on = forms.DateField(label=_("Release date"), widget=DATE_WIDGET)
    notes = forms.CharField(
        label=_("Release notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ScreenshotForm(forms.Form):
    image = forms.ImageField(
        label=_("Screenshot (PNG, JPEG or WebP)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp"}
        ),
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class PubliccodeUploadForm(forms.Form):
    file = forms.FileField(
        label=_("publiccode.yml file"),
        help_text=_("At most %(kb)d KB.")
        % {"kb": settings.MAX_PUBLICCODE_BYTES // 1024},
    )
    confirm_publisher_change = forms.BooleanField(
        label=_("I confirm the change of publishing organisation"),
        required=False,
        help_text=_(
            "Tick this only when the file names another publishing organisation "
            "than your entry's current file and that change is intended."
        ),
    )
