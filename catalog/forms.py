from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant
from tenants.validators import validate_single_line

from .models import Adoption, Agreement, CatalogApp, Release
from .vocabularies import (
    CATEGORY_CHOICES,
    PLATFORM_CHOICES,
    SCOPE_CHOICES,
    SOFTWARE_TYPES,
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
            .order_by("name")
        )


class ApproveForm(AgreementFieldsForm):
    """Approve under an existing agreement between the two, or record a new one."""

    existing = forms.ModelChoiceField(
        label=_("Existing agreement"),
        queryset=Agreement.objects.none(),
        required=False,
        help_text=_(
            "Choose an agreement already signed with this organisation, or fill in a new one below."
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


class CatalogAppForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, validators=[validate_single_line]
    )
    short_description_id = forms.CharField(
        label=_("Short description (Indonesian)"), max_length=150
    )
    short_description_en = forms.CharField(
        label=_("Short description (English)"), max_length=150, required=False
    )
    long_description_id = forms.CharField(
        label=_("Description (Indonesian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    long_description_en = forms.CharField(
        label=_("Description (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    features = forms.CharField(
        label=_("Features"),
        required=False,
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=CATEGORY_CHOICES,
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
        label=_("Documentation URL"), max_length=300, required=False
    )
    landing_url = forms.URLField(
        label=_("Website or demo URL"), max_length=300, required=False
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

    def clean_license(self):
        from .publiccode import is_spdx_expression

        value = self.cleaned_data["license"].strip()
        if not is_spdx_expression(value):
            raise forms.ValidationError(
                _(
                    "Write an SPDX licence expression, e.g. MIT or EUPL-1.2 OR GPL-3.0-or-later."
                )
            )
        return value

    def clean_features(self):
        return [line[:200] for line in _lines(self.cleaned_data["features"])][:30]

    def clean_languages(self):
        codes = [
            c.strip().lower()
            for c in self.cleaned_data["languages"].split(",")
            if c.strip()
        ]
        bad = [c for c in codes if not (2 <= len(c) <= 3 and c.isalpha())]
        if bad or not codes:
            raise forms.ValidationError(
                _("Use two- or three-letter language codes, e.g. id, en.")
            )
        return codes

    def clean_contacts(self):
        contacts = []
        for number, line in enumerate(_lines(self.cleaned_data["contacts"]), start=1):
            parts = [p.strip() for p in line.split(";")]
            parts += [""] * (4 - len(parts))
            name, email, phone, affiliation = parts[:4]
            if not name:
                raise forms.ValidationError(
                    _("Line %(n)d: the name is missing.") % {"n": number}
                )
            if email:
                try:
                    validate_email(email)
                except forms.ValidationError:
                    raise forms.ValidationError(
                        _("Line %(n)d: “%(email)s” is not an e-mail address.")
                        % {"n": number, "email": email}
                    ) from None
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
        return contacts[:10]

    @classmethod
    def initial_for(cls, app: CatalogApp) -> dict:
        return {
            **{
                name: getattr(app, name)
                for name in cls.base_fields
                if name not in {"features", "languages", "contacts", "logo"}
            },
            "features": "\n".join(app.features),
            "languages": ", ".join(app.languages),
            "contacts": "\n".join(
                "; ".join(
                    c.get(k, "") for k in ("name", "email", "phone", "affiliation")
                ).rstrip("; ")
                for c in app.contacts
            ),
        }

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "logo"}


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
