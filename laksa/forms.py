"""Laksa's forms: they parse and keep what people typed; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants import places

from .models import Category, Item, Opd


class SubmitForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you want to send?"),
        choices=Item.Kind.choices,
        widget=forms.RadioSelect,
        initial=Item.Kind.COMPLAINT,
    )
    category = forms.TypedChoiceField(label=_("About"), coerce=int)
    kecamatan_code = forms.ChoiceField(label=_("Kecamatan"))
    kelurahan_code = forms.ChoiceField(label=_("Kelurahan or desa"))
    description = forms.CharField(
        label=_("What happened, or what do you suggest?"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Where exactly, since when, what you saw. No more than 3000 characters."
        ),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_(
            "JPEG, PNG or WebP up to 8 MB. Only staff see it; its location data is removed."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp"}
        ),
    )
    publish = forms.BooleanField(
        label=_("Show my message (never my name or contact) on the public page"),
        required=False,
        initial=True,
    )
    anonymous = forms.BooleanField(
        label=_(
            "Send anonymously (we cannot contact you, but you can follow it with the code)"
        ),
        required=False,
        initial=False,
    )
    reporter_name = forms.CharField(
        label=_("Your name"), required=False, max_length=200
    )
    reporter_email = forms.CharField(
        label=_("E-mail (we send the answer there)"),
        required=False,
        max_length=200,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    reporter_phone = forms.CharField(
        label=_("Phone or WhatsApp"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choose = [("", _("Choose…"))]
        home = places.home_region()
        self.fields["category"].choices = choose + list(
            Category.objects.filter(active=True).values_list("pk", "name")
        )
        self.fields["kecamatan_code"].choices = choose + places.kecamatan_choices(home)
        self.fields["kecamatan_code"].widget.attrs["class"] = "place-kecamatan"
        self.fields["kelurahan_code"].choices = choose + places.kelurahan_choices(home)
        self.fields["kelurahan_code"].widget.attrs["class"] = "place-kelurahan"


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=40)


class RespondForm(forms.Form):
    key = forms.CharField(label=_("Your key"), max_length=40)
    rating = forms.TypedChoiceField(
        label=_("How good was the answer?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("A comment on the answer (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label=_("Why it is not solved (to reopen)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OpdChoiceForm(forms.Form):
    opd = forms.TypedChoiceField(label=_("OPD"), coerce=int)
    note = forms.CharField(
        label=_("Note for the OPD (not public)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opd"].choices = [("", _("Choose…"))] + list(
            Opd.objects.filter(active=True).values_list("pk", "name")
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer (public)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Why"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OpdForm(forms.Form):
    name = forms.CharField(label=_("OPD name"), max_length=200)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category name"), max_length=200)
    opd_id = forms.TypedChoiceField(
        label=_("Goes to OPD (routing rule)"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    sla_days = forms.IntegerField(
        label=_("Days to answer"), min_value=0, max_value=365, initial=5
    )
    sla_hours = forms.IntegerField(
        label=_("and hours"), min_value=0, max_value=23, initial=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opd_id"].choices = [("", _("None: the router chooses"))] + list(
            Opd.objects.filter(active=True).values_list("pk", "name")
        )
