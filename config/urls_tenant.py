"""URLs of every tenant host (SLUG.<BASE_DOMAIN> or a custom domain)."""

from django.urls import include, path

from config.i18n import set_language_anywhere

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language_anywhere, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tenants.urls_tenant")),
]
