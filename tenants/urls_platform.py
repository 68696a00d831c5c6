from django.urls import path

from . import views_platform as views
from . import views_transparency

urlpatterns = [
    path("", views.landing, name="landing"),
    path("organisations/", views.directory, name="directory"),
    path("orgs/", views.my_organisations, name="my_organisations"),
    path("orgs/new/", views.organisation_create, name="organisation_create"),
    path("orgs/<slug:slug>/go/", views.organisation_go, name="organisation_go"),
    path("transparency/", views_transparency.transparency, name="transparency"),
    path("transparency/log.json", views_transparency.log_json, name="transparency_log"),
    path(
        "transparency/anchor/", views_transparency.anchor_now, name="transparency_anchor"
    ),
]
