"""Sentences written without a reader, read later in the reader's language.

Work done in the background (checking a repository, fetching an image) has no
visitor whose language it could write in; what it has to say is kept as the
sentence's msgid and its parameters, and translated when someone reads it.

    raise FetchError("timeout", Sentence(gettext_noop("… %(s)d seconds."), s=15))

`gettext_noop` marks the msgid for makemessages (which knows it by that name
only) and leaves it untranslated; `str()` of a Sentence is its text in the
current language. `storable()` gives what a JSON column keeps and `render()`
turns any stored form back into text:

- `{"msgid": …, "params": {…}}`, translated when read;
- `{"texts": {"id": …, "en": …}}`, one text per language of the site, for
  sentences that reached us already translated (no msgid to keep): the
  reader's language, else the site's, else any;
- a plain string, written before sentences were kept (shown as it is).

A parameter may itself be translatable (a Sentence, or Django's lazy text such
as a field's label): it is kept in one of the forms above and read, like the
sentence around it, in the reader's language. A Sentence compares equal to the
text it reads as now and offers str's methods, as Django's lazy text does, so
code written for text keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise, lazy
from django.utils.translation import (
    get_language,
    get_supported_language_variant,
    gettext,
    override,
)


class Sentence(Promise):
    """A msgid and its parameters; `str()` is the text in the current language."""

    def __init__(self, msgid: str, /, **params):
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        return render(self.stored())

    def __repr__(self) -> str:
        return f"Sentence({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other) -> bool:
        if isinstance(other, Sentence):
            return (self.msgid, self.params) == (other.msgid, other.params)
        if isinstance(other, str | Promise):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        # Equal to the text it reads as, so hashed as that text (a Sentence
        # and the same string are one key, in the current language).
        return hash(str(self))

    def __contains__(self, text) -> bool:
        return text in str(self)

    def __getattr__(self, name):
        # str's methods (startswith, split…) on the text in the current language.
        if name.startswith("_") or not hasattr(str, name):
            raise AttributeError(name)
        return getattr(str(self), name)

    def stored(self) -> dict:
        return {
            "msgid": self.msgid,
            "params": {
                name: storable(value) if isinstance(value, Promise) else value
                for name, value in self.params.items()
            },
        }


def storable(message) -> dict:
    """What a JSON column keeps of `message`: a Sentence as its msgid and
    parameters, other lazy text as it reads in each language of the site, and
    text already translated as it reads in the current language."""
    if isinstance(message, Sentence):
        return message.stored()
    if isinstance(message, Promise):
        texts = {}
        for code, _name in settings.LANGUAGES:
            with override(code):
                texts[code] = str(message)
        return {"texts": texts}
    return {"texts": {active_language(): str(message)}}


def error_message(error: ValidationError) -> Promise | str:
    """What one ValidationError (of a single message) says, its parameters
    filled in when it is read: a Sentence stays one, Django's own lazy text
    reads in the reader's language; text already translated stays as it is."""
    message, params = error.message, error.params
    if not params:
        return message
    if isinstance(message, Sentence):
        return Sentence(message.msgid, **{**message.params, **params})
    return lazy(lambda: message % params, str)()


def render(value) -> str:
    """Any stored form of a sentence (see above) as text in the current language."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        return ""
    msgid = value.get("msgid")
    if isinstance(msgid, str):
        return _translated(msgid, value.get("params") or {})
    texts = value.get("texts")
    if not isinstance(texts, Mapping) or not texts:
        return ""
    for language in (active_language(), settings.LANGUAGE_CODE):
        if texts.get(language):
            return str(texts[language])
    return str(next(iter(texts.values())))


def _translated(msgid: str, params: Mapping) -> str:
    if not msgid:
        return ""  # gettext("") is the catalogue's header
    text = gettext(msgid)
    if not params:
        return text
    # Translatable parameters (kept as a stored form) read in the same language.
    params = {
        name: render(value) if isinstance(value, Mapping) else value
        for name, value in params.items()
    }
    try:
        return text % params
    except (KeyError, ValueError, TypeError):
        # A translation that does not fit the parameters kept: the msgid's own.
        try:
            return msgid % params
        except (KeyError, ValueError, TypeError):
            return msgid


def language_or_default(language) -> str:
    """`language` if the site speaks it (settings.LANGUAGES; a regional variant
    such as en-us counts as en), else settings.LANGUAGE_CODE."""
    if isinstance(language, str) and language:
        try:
            # Lower case: Django matches any case but returns it as given.
            return get_supported_language_variant(language.lower())
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


def active_language() -> str:
    """The language of the page the person is reading now (the request's, set by
    LocaleMiddleware), one the site speaks: what to store beside an address
    they leave, so that what is later sent to it reads in their words."""
    return language_or_default(get_language())
