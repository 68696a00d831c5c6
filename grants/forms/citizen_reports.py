"""Citizens' reports: sending one, following it by its code, answering it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.images import PhotoField
from tenants.validators import validate_single_line

from .base import PlaceFieldsMixin


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
        from ..services import normalise_tracking_code

        code = normalise_tracking_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(
                _("A tracking code has 10 letters and digits, e.g. K7QX-M2PA-9T.")
            )
        return code
