"""Control characters in form fields: a field error with the input kept, never a
500 and never a write (#12, core/text.py)."""

from __future__ import annotations

import pytest
from django import forms

from tests.conftest import PLATFORM_HOST, host_client
from tests.factories import make_user


class Sample(forms.Form):
    name = forms.CharField()
    email = forms.EmailField(required=False)
    story = forms.CharField(widget=forms.Textarea, required=False)


@pytest.mark.parametrize(
    "value",
    [
        "Budi\x00",
        "Bu\x01di",
        "Budi\x1b[31m",
        "Bu\x7fdi",
        "Bu\x85di",
        "Bu\tdi",
        "Bu\ndi",
    ],
)
def test_a_single_line_field_refuses_control_characters_and_keeps_the_input(value):
    form = Sample({"name": value, "story": ""})
    assert not form.is_valid()
    assert form.errors.as_data()["name"][0].code == "control_characters"
    assert form["name"].value() == value  # shown again as typed


def test_surrounding_whitespace_of_a_single_line_is_still_just_stripped():
    form = Sample({"name": "  Budi Santoso\r\n", "story": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "Budi Santoso"


def test_a_textarea_keeps_tabs_and_line_breaks():
    text = "Baris satu\r\nBaris dua\n\tdengan tab"
    form = Sample({"name": "Budi", "story": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["story"] == text


@pytest.mark.parametrize("value", ["a\x00b", "a\x08b", "a\x0bb", "a\x1fb", "a\x9bb"])
def test_a_textarea_refuses_the_other_control_characters(value):
    form = Sample({"name": "Budi", "story": value})
    assert not form.is_valid()
    assert form.errors.as_data()["story"][0].code == "control_characters"


def test_subclasses_of_char_field_are_covered():
    form = Sample({"name": "Budi", "email": "budi\x00@example.id"})
    assert not form.is_valid()
    assert form.errors.as_data()["email"][0].code == "control_characters"


@pytest.mark.django_db
def test_sign_in_with_a_control_character_is_a_field_error_not_a_500():
    make_user("warga@example.id", password="kata-sandi-yang-panjang-1")
    page = host_client(PLATFORM_HOST).post(
        "/accounts/login/",
        {"login": "warga\x00@example.id", "password": "kata-sandi-yang-panjang-1"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "single line without control characters" in html
    assert "_auth_user_id" not in page.client.session
