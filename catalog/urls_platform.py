from django.urls import path

from . import views_harvest
from . import views_platform as views

urlpatterns = [
    path("catalog/", views.catalog_list, name="catalog_list"),
    path("catalog/<slug:slug>/", views.catalog_detail, name="catalog_detail"),
    path("catalog/<slug:slug>/logo/", views.catalog_logo, name="catalog_logo"),
    path(
        "catalog/<slug:slug>/screenshots/<id:screenshot_id>/",
        views.catalog_screenshot,
        name="catalog_screenshot",
    ),
    path(
        "catalog/<slug:slug>/history/",
        views_harvest.catalog_history,
        name="catalog_history",
    ),
    path(
        "catalog/<slug:slug>/images/<id:image_id>/",
        views_harvest.catalog_image,
        name="catalog_harvested_image",
    ),
]
