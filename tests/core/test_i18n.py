"""Sentences a background job keeps are read later in the reader's language (#14)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy, gettext_noop

from core.fetch import FetchError
from core.i18n import Sentence, error_message, render, storable


def test_a_sentence_is_kept_as_its_msgid_and_read_in_the_current_language():
    sentence = Sentence(
        gettext_noop("The server did not answer within %(s)d seconds."), s=15
    )
    assert sentence.stored() == {
        "msgid": "The server did not answer within %(s)d seconds.",
        "params": {"s": 15},
    }
    with translation.override("en"):
        assert str(sentence) == "The server did not answer within 15 seconds."
        assert str(FetchError("timeout", sentence)) == str(sentence)
        assert ValidationError(sentence).messages == [str(sentence)]
    with translation.override("id"):
        assert str(sentence) == "Server tidak menjawab dalam 15 detik."
        assert str(FetchError("timeout", sentence)) == str(sentence)


def test_text_that_comes_translated_is_kept_in_the_language_it_came_in():
    with translation.override("id"):
        assert storable("Sudah diterjemahkan") == {
            "texts": {"id": "Sudah diterjemahkan"}
        }
        assert storable(Sentence(gettext_noop("Too many redirects."))) == {
            "msgid": "Too many redirects.",
            "params": {},
        }


@pytest.mark.parametrize(
    ("stored", "language", "shown"),
    [
        ({"msgid": "Too many redirects.", "params": {}}, "en", "Too many redirects."),
        (
            {
                "msgid": "The server did not answer within %(s)d seconds.",
                "params": {"s": 15},
            },
            "id",
            "Server tidak menjawab dalam 15 detik.",
        ),
        # Parameters that do not fit: the msgid as it is, never an error page.
        (
            {"msgid": "The address %(host)s does not exist.", "params": {"x": 1}},
            "id",
            "The address %(host)s does not exist.",
        ),
        ({"texts": {"id": "Satu", "en": "One"}}, "en", "One"),
        ({"texts": {"id": "Satu", "en": "One"}}, "id", "Satu"),
        # No English: the platform's language.
        ({"texts": {"id": "Satu"}}, "en", "Satu"),
        # Written as text before sentences were kept.
        ("Teks lama", "en", "Teks lama"),
        ({}, "en", ""),
        ({"msgid": ""}, "en", ""),
        (None, "en", ""),
    ],
)
def test_every_stored_form_renders_in_the_readers_language(stored, language, shown):
    with translation.override(language):
        assert render(stored) == shown


def test_a_translatable_parameter_is_read_in_the_readers_language_too():
    with translation.override("id"):
        sentence = Sentence(
            gettext_noop(
                "This file changes the publishing organisation from "
                "%(old)s to %(new)s. Confirm the change to import it."
            ),
            old="Kota Bandung",
            new=Sentence(gettext_noop("none")),
        )
        stored = storable(sentence)
    assert stored["params"] == {
        "old": "Kota Bandung",
        "new": {"msgid": "none", "params": {}},
    }
    for language, word in (("en", "to none."), ("id", "menjadi tidak ada.")):
        with translation.override(language):
            assert word in str(sentence), language
            assert word in render(stored), language


def test_lazy_text_is_stored_in_every_language_of_the_site():
    with translation.override("id"):
        stored = storable(gettext_lazy("none"))
    assert stored == {"texts": {"id": "tidak ada", "en": "none"}}


def test_a_validation_errors_parameters_are_filled_in_when_it_is_read():
    error = ValidationError(
        gettext_lazy("The server did not answer within %(s)d seconds."),
        params={"s": 15},
    )
    with translation.override("id"):
        message = error_message(error)
    with translation.override("en"):
        assert str(message) == "The server did not answer within 15 seconds."
    with translation.override("id"):
        assert str(message) == "Server tidak menjawab dalam 15 detik."
    kept = error_message(
        ValidationError(
            Sentence(gettext_noop("The server did not answer within %(s)d seconds.")),
            params={"s": 15},
        )
    )
    assert kept.stored() == {
        "msgid": "The server did not answer within %(s)d seconds.",
        "params": {"s": 15},
    }


def test_a_sentence_reads_as_text_where_text_is_expected():
    with translation.override("en"):
        sentence = Sentence(gettext_noop("Too many redirects."))
        assert sentence == "Too many redirects."
        assert "many" in sentence
        assert sentence.startswith("Too")
        assert sentence != "Terlalu banyak pengalihan."


def test_a_sentence_hashes_as_the_text_it_equals():
    from django.utils import translation
    from django.utils.translation import gettext_noop

    from core.i18n import Sentence

    sentence = Sentence(gettext_noop("Not found"))
    with translation.override("en"):
        assert sentence == "Not found" and hash(sentence) == hash("Not found")
        assert {sentence: 1}["Not found"] == 1
    with translation.override("id"):
        assert sentence == "Tidak ditemukan"
        assert hash(sentence) == hash("Tidak ditemukan")
