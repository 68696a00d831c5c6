"""The language switch, without a CSRF token.

Django's set_language wants a CSRF token, so every page with the switcher would
carry one and set a CSRF cookie: no anonymous page could then be shared from a
cache (core/pagecache.py). What a forged switch can do is change a visitor's
language, which they change back with the same switcher; nothing else.

A signed-in person's choice is also saved on their account, so that it holds on
every host (each keeps its own session and, on bare localhost, its own cookie)
and in the e-mails they receive.
"""

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from tenants.services import user_set_language


@csrf_exempt
def set_language_anywhere(request):
    response = set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
    ):
        user_set_language(user=request.user, language=language)
    return response
