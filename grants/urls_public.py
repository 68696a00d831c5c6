from django.urls import path

from . import views_public as views

urlpatterns = [
    path("", views.portal, name="grants_portal"),
]
