"""URLs of the platform host (BASE_DOMAIN): landing, onboarding, operators' admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("catalog.urls_api")),
    path("billing/", include("billing.urls_platform")),
    path("", include("catalog.urls_platform")),
    path("", include("tenants.urls_platform")),
]
