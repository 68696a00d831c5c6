from django.urls import path

from . import views

urlpatterns = [
    path("", views.public, name="bukutamu_public"),
    path("staff/", views.staff, name="bukutamu_staff"),
]
