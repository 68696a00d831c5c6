"""URLs of every tenant host (SLUG.<BASE_DOMAIN> or a custom domain).

Composed here, not in the kernel: the kernel's pages (tenants/urls_tenant.py),
the platform services' tenant pages (catalog, billing) and every registered
hosted app's URLconfs (tenants/hosted.py; each exists in a tenant only where
it is switched on, HostedAppGateMiddleware answers 404 elsewhere).
"""

from django.urls import include, path

from config.i18n import set_language_anywhere
from tenants import hosted
from tenants.mfa import mfa_continue
from tenants.urls_tenant import PUBLIC_TENANT_ROUTES as KERNEL_PUBLIC_ROUTES

urlpatterns = [
    path("accounts/2fa/continue/", mfa_continue, name="mfa_continue"),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language_anywhere, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tenants.urls_tenant")),
    path("", include("catalog.urls_tenant")),
    path("billing/", include("billing.urls_tenant")),
]
for _app in hosted.apps():
    for _prefix, _urlconf in _app.urls:
        urlpatterns.append(path(_prefix, include(_urlconf)))

# Routes anyone may open; every other route of this URLconf is for members or
# signed-in users (tests/tenants/test_isolation.py walks them all).
PUBLIC_TENANT_ROUTES = KERNEL_PUBLIC_ROUTES | hosted.public_route_names()

handler500 = "config.views.server_error"
