from django.urls import path

from . import views

# Sabilulungan's pages on an adopting tenant's host; catalog.middleware gates them.
urlpatterns = [
    path("", views.module_home, name="grants_home"),
]
