"""The catalog API, included by config/urls_public.py under API_PREFIX."""

from django.urls import include, path, re_path

from . import api

app_name = "catalog_api"
# Where config/urls_public.py mounts this module; the schema's paths start with it.
API_PREFIX = "api/v1/"

# What the OpenAPI document describes: these endpoints and the document itself
# (appended below: its view is given this very list), no other DRF view of the
# platform host.
documented = [
    path("apps/", api.AppListView.as_view(), name="app-list"),
    path("apps/<str:slug>/", api.AppDetailView.as_view(), name="app-detail"),
    path(
        "apps/<str:slug>/publiccode.yml",
        api.AppPublicCodeView.as_view(),
        name="app-publiccode",
    ),
]
documented.append(
    path(
        "schema/",
        api.SchemaView.as_view(patterns=[path(API_PREFIX, include(documented))]),
        name="schema",
    )
)

urlpatterns = [
    *documented,
    # Anything else under /api/v1/: a 404 as problem details, not an HTML page.
    re_path(r"^(?P<rest>.*)$", api.api_not_found, name="not-found"),
]
