"""Shared pieces: rupiah and date widgets, the kecamatan/kelurahan pair, its fix form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants import register

from .. import places

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


class PlaceFixForm(PlaceFieldsMixin, forms.Form):
    """Staff choose the register kecamatan/kelurahan of an old record."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_place_fields()

    def clean(self):
        data = super().clean()
        self.clean_places(data)
        return data
