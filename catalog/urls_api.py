"""The catalog API, included by config/urls_public.py under API_PREFIX."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import api

app_name = "catalog_api"
# Where config/urls_public.py mounts this module; the schema's paths start with it.
API_PREFIX = "api/v1/"

endpoints = [
    path("apps/", api.AppListView.as_view(), name="app-list"),
    path("apps/<str:slug>/", api.AppDetailView.as_view(), name="app-detail"),
    path(
        "apps/<str:slug>/publiccode.yml",
        api.AppPublicCodeView.as_view(),
        name="app-publiccode",
    ),
]

urlpatterns = [
    *endpoints,
    # Only these endpoints: other DRF views of the platform host are not this API.
    path(
        "schema/",
        SpectacularAPIView.as_view(patterns=[path(API_PREFIX, include(endpoints))]),
        name="schema",
    ),
    # Anything else under /api/v1/: a 404 as problem details, not an HTML page.
    re_path(r"^(?P<rest>.*)$", api.api_not_found, name="not-found"),
]
