"""The language switch, without a CSRF token.

Django's set_language wants a CSRF token, so every page with the switcher would
carry one and set a CSRF cookie: no anonymous page could then be shared from a
cache (core/pagecache.py). What a forged switch can do is change a visitor's
language, which they change back with the same switcher; nothing else.
"""

from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

set_language_anywhere = csrf_exempt(set_language)
