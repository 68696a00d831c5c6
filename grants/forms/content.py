"""Announcements and regulations."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from tenants.validators import validate_single_line

from ..models import Announcement, Regulation
from .base import DATE_WIDGET


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
