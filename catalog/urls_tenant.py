from django.urls import path

from . import views_harvest
from . import views_tenant as views

# All member-only (tests/tenants/test_isolation.py walks them).
urlpatterns = [
    path("apps/", views.apps_home, name="catalog_apps"),
    path("apps/adopt/<slug:slug>/", views.adopt, name="catalog_adopt"),
    path(
        "apps/adoptions/<id:adoption_id>/",
        views.adoption_detail,
        name="catalog_adoption",
    ),
    path(
        "apps/adoptions/<id:adoption_id>/<slug:action>/",
        views.adoption_action,
        name="catalog_adoption_action",
    ),
    path("apps/agreements/", views.agreements, name="catalog_agreements"),
    path("apps/agreements/new/", views.agreement_new, name="catalog_agreement_new"),
    path(
        "apps/agreements/<id:agreement_id>/",
        views.agreement_detail,
        name="catalog_agreement",
    ),
    path(
        "apps/agreements/<id:agreement_id>/do/<slug:action>/",
        views.agreement_action,
        name="catalog_agreement_action",
    ),
    path(
        "apps/agreements/<id:agreement_id>/document/",
        views.agreement_document,
        name="catalog_agreement_document",
    ),
    path("apps/published/new/", views.app_new, name="catalog_app_new"),
    path(
        "apps/published/import/",
        views.publiccode_import,
        name="catalog_publiccode_import",
    ),
    path("apps/published/<slug:slug>/", views.app_manage, name="catalog_app_manage"),
    path("apps/published/<slug:slug>/edit/", views.app_edit, name="catalog_app_edit"),
    path(
        "apps/published/<slug:slug>/repository/",
        views_harvest.repository,
        name="catalog_app_repository",
    ),
]
