from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="billing_overview"),
    path("checkout/", views.checkout, name="billing_checkout"),
    path("portal/", views.portal, name="billing_portal"),
    path("success/", views.success, name="billing_success"),
]
