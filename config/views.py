"""Error pages that Django draws outside any app's view."""

import json
import re

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views import defaults

from core.api import PROBLEM_MEDIA_TYPE, VARY, problem_body


def csrf_failure(request, reason=""):
    """A refused form (its security token expired or missing): the friendly 403
    page, in the visitor's language, saying what to do — never Django's page."""
    return render(
        request,
        "403.html",
        {
            "exception": _(
                "This form was open too long or came from another page, so it "
                "was not sent. Go back, reload the page and send it again: what "
                "you typed may still be there."
            )
        },
        status=403,
    )


def _accepted_language(request) -> str:
    """The first language of the request's Accept-Language the site speaks."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        if code != "*":
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
    return settings.LANGUAGE_CODE


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """Django's handler500. Under the public API (`PUBLIC_API_URLS_REGEX`), an
    error that escaped the API's own views (in middleware, or with the
    database down) is answered as the API answers every error: problem details
    in the request's language. Elsewhere, the site's 500 page. Neither reads
    the database."""
    if re.match(settings.PUBLIC_API_URLS_REGEX, request.path_info):
        # The error may precede LocaleMiddleware: the language is read here,
        # as the API reads it (Accept-Language; the API reads no cookie).
        with translation.override(_accepted_language(request)):
            body = problem_body(
                request,
                status=500,
                detail=_("Something went wrong on our side. Please try again later."),
            )
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False),
            status=500,
            content_type=PROBLEM_MEDIA_TYPE,
        )
        response["Cache-Control"] = "no-store"
        response["Vary"] = ", ".join(VARY)
        return response
    return defaults.server_error(request, template_name)
