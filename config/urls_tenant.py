"""URLs of every tenant host (SLUG.<BASE_DOMAIN> or a custom domain)."""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tenants.urls_tenant")),
]
