"""URLs of the platform host (BASE_DOMAIN): landing, onboarding, operators' admin."""

from django.contrib import admin
from django.urls import include, path

from config.i18n import set_language_anywhere
from tenants.mfa import mfa_continue

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/2fa/continue/", mfa_continue, name="mfa_continue"),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language_anywhere, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("catalog.urls_api")),
    path("billing/", include("billing.urls_platform")),
    path("", include("catalog.urls_platform")),
    path("", include("tenants.urls_platform")),
]

handler500 = "config.views.server_error"
