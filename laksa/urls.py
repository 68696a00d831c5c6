from django.urls import path

from . import views, views_staff

urlpatterns = [
    path("", views.portal, name="laksa_portal"),
    path("send/", views.submit, name="laksa_submit"),
    path("track/", views.track_find, name="laksa_track_find"),
    path("track/<str:code>/", views.track, name="laksa_track"),
    path("track/<str:code>/respond/", views.respond, name="laksa_respond"),
    path("open-data/items.json", views.open_items_json, name="laksa_open_items_json"),
    path("open-data/items.csv", views.open_items_csv, name="laksa_open_items_csv"),
    path("open-data/audit.jsonl", views.open_audit, name="laksa_open_audit"),
    path("staff/", views_staff.queue, name="laksa_staff"),
    path("staff/items/<id:item_id>/", views_staff.item_detail, name="laksa_item"),
    path(
        "staff/items/<id:item_id>/photo/",
        views_staff.item_photo,
        name="laksa_item_photo",
    ),
    path(
        "staff/items/<id:item_id>/<slug:action>/",
        views_staff.item_act,
        name="laksa_item_act",
    ),
    path("staff/settings/", views_staff.settings_page, name="laksa_settings"),
]

# Anyone may open these (tests/tenants/test_isolation.py walks every other route).
PUBLIC_ROUTES = frozenset(
    {
        "laksa_portal",
        "laksa_submit",
        "laksa_track_find",
        "laksa_track",
        "laksa_respond",
        "laksa_open_items_json",
        "laksa_open_items_csv",
        "laksa_open_audit",
    }
)
