from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from . import register
from .models import Membership, Tenant
from .regions import GOVERNMENT_KINDS
from .subdomains import MAX_LENGTH, subdomain_errors
from .validators import validate_plain_text, validate_single_line


def add_service_errors(form: forms.Form, exc) -> None:
    """Show a service's ValidationError on the form: next to its field where it names
    one, at the top otherwise. What the user typed stays in the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def exception_text(exc) -> str:
    """A service's ValidationError or PermissionDenied as one message for the page."""
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's signup form."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


KIND_CHOICES = [
    (k, label) for k, label in Tenant.Kind.choices if k != Tenant.Kind.PLATFORM
]


def region_choices() -> list:
    """Provinces with their cities and regencies, from the register, for a plain <select>.

    Grouped by province (the province itself first), so it works without JavaScript.
    """
    groups = []
    for province in register.provinces():
        options = [(province.code, register.official_name(province))]
        options += [
            (place.code, register.official_name(place))
            for place in register.children(province.code)
        ]
        groups.append((province.name, options))
    return [("", _("— choose from the register —"))] + groups


class OrganisationCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    region_code = forms.ChoiceField(
        label=_("Region (city, regency or province)"),
        choices=region_choices,
        required=False,
        help_text=_(
            "For a city, regency or province: the region you govern. Its name on "
            "BagiPakai is the one in the Ministry of Home Affairs' register."
        ),
    )
    name = forms.CharField(
        label=_("Name of the institution"),
        max_length=200,
        required=False,
        validators=[validate_single_line],
        help_text=_(
            "Only for an institution, as written in official letters, e.g. "
            "Dinas Kesehatan Kota Bandung."
        ),
    )
    seat_region_code = forms.ChoiceField(
        label=_("Where the institution sits"),
        choices=region_choices,
        required=False,
        help_text=_("Only for an institution: its city, regency or province."),
    )
    slug = forms.CharField(
        label=_("Subdomain"),
        # Longer input is accepted here so the message can say exactly what is wrong.
        max_length=100,
        help_text=_(
            "Lower-case letters, digits and dashes, 3 to %(max)d characters, e.g. bandung."
        )
        % {"max": MAX_LENGTH},
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "none",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip()
        errors = subdomain_errors(slug)
        if errors:
            raise forms.ValidationError(errors)
        # A deleted tenant's slug stays taken (its tombstone), see tenant_delete.
        if Tenant.all_objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("“%(slug)s” is already taken.") % {"slug": slug}
            )
        return slug

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in GOVERNMENT_KINDS:
            # The register names a region: what was typed as a name does not count.
            data["name"] = ""
            data["seat_region_code"] = ""
        elif kind == Tenant.Kind.LEMBAGA:
            data["region_code"] = ""
            if "name" in data and not data["name"]:
                self.add_error("name", _("Enter the institution's name."))
        return data


class TenantProfileForm(forms.ModelForm):
    """The tenant's own profile; a city's, regency's or province's name is the register's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kind in GOVERNMENT_KINDS:
            del self.fields["name"]
        else:
            self.fields["name"].help_text = _(
                "Renaming a verified institution sends it back to the platform "
                "team for verification."
            )

    class Meta:
        model = Tenant
        fields = [
            "name",
            "description",
            "address",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


ROLE_HELP = {
    Membership.Role.ADMIN: _("manages members, the profile and apps"),
    Membership.Role.STAFF: _("works in the organisation's apps"),
    Membership.Role.AUDITOR: _("reads everything, changes nothing"),
    Membership.Role.VIEWER: _("sees the dashboard"),
}


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (value, f"{label} — {ROLE_HELP[value]}")
            for value, label in Membership.Role.choices
        ],
        initial=Membership.Role.STAFF,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class InvitationSignupForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, validators=[validate_single_line]
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        if p1:
            from .models import User

            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=data.get("full_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


def public_reason_field(required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Reason (public)"),
        required=required,
        max_length=500,
        help_text=_(
            "Plain words: the organisation reads it, and it is published in the platform's transparency log."
        ),
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def private_note_field() -> forms.CharField:
    return forms.CharField(
        label=_("Note for the operators (private)"),
        required=False,
        max_length=2000,
        validators=[validate_plain_text],
        help_text=_("Kept in the back office, never published."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OperatorReasonForm(forms.Form):
    """The public reason and private note of an operator's action in the admin."""

    reason = public_reason_field(required=False)
    note = private_note_field()


class TenantDeleteForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Type the subdomain to confirm"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    reason = public_reason_field(required=False)
    note = private_note_field()

    def __init__(self, *args, tenant: Tenant, **kwargs):
        self.tenant = tenant
        super().__init__(*args, **kwargs)

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"].strip()
        if value != self.tenant.slug:
            raise forms.ValidationError(
                _("That is not “%(slug)s”. Nothing was deleted.")
                % {"slug": self.tenant.slug}
            )
        return value


class VerificationRequestForm(forms.Form):
    """A tenant's administrator asks for verification (tenants.services)."""

    letter = forms.FileField(
        label=_("Official letter (PDF)"),
        help_text=_(
            "A signed letter on your organisation's letterhead asking for verification, as a PDF."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    note = forms.CharField(
        label=_("Note for the operators"),
        required=False,
        max_length=1000,
        validators=[validate_plain_text],
        help_text=_("Optional: who to call back, anything the operators should know."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VerificationDecisionForm(forms.Form):
    """The operators verify (reason optional) or refuse (reason required)."""

    reason = public_reason_field(required=False)
    note = private_note_field()

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


class MfaResetForm(forms.Form):
    reason = forms.CharField(
        label=_("How was the person's identity checked?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "E.g. “Called back on the office number in the register; the head of "
            "Diskominfo confirmed by letter 045/2026.” Kept private, in the platform log."
        ),
    )


class TenantSecurityForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields = ["mfa_required"]


class TenantAdminForm(forms.ModelForm):
    """The operators' change form: the same register rules as sign-up."""

    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)

    class Meta:
        model = Tenant
        fields = [
            "name",
            "kind",
            "region_code",
            "seat_region_code",
            "description",
            "address",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
            "disabled_reason",
        ]

    def clean(self):
        from .regions import identity_errors

        data = super().clean()
        kind = data.get("kind", self.instance.kind)
        region_code = data.get("region_code", self.instance.region_code) or ""
        seat = data.get("seat_region_code", self.instance.seat_region_code) or ""
        if kind in GOVERNMENT_KINDS:
            seat = data["seat_region_code"] = ""
        else:
            region_code = data["region_code"] = ""
        for field, errors in identity_errors(
            kind=kind, region_code=region_code, seat_region_code=seat
        ).items():
            if field not in self.errors:
                self.add_error(field, errors)
        # One tenant per region, asked here: the model's constraint also names
        # deleted_at, which a ModelForm leaves out of its own validation.
        from .services import region_taken, region_taken_error

        if (
            kind in GOVERNMENT_KINDS
            and "region_code" not in self.errors
            and region_taken(region_code=region_code, exclude_pk=self.instance.pk)
        ):
            self.add_error("region_code", region_taken_error(region_code))
        return data


class SavedHeadForm(forms.Form):
    """A head kept elsewhere (the daily e-mail, a download): event number and fingerprint."""

    seq = forms.IntegerField(label=_("Event number"), min_value=1, max_value=2**62)
    hash = forms.CharField(
        label=_("Fingerprint (64 characters)"), min_length=64, max_length=64, strip=True
    )

    def clean_hash(self):
        value = self.cleaned_data["hash"].lower()
        if not set(value) <= set("0123456789abcdef"):
            raise forms.ValidationError(
                _("A fingerprint has only the digits 0-9 and the letters a-f.")
            )
        return value
