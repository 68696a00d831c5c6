from django.urls import path

from . import views_open_data as views

# Public, no login; the kernel's hosted-app gate hides them where Sabilulungan
# is not used.
urlpatterns = [
    path("audit.jsonl", views.audit_jsonl, name="grants_audit_jsonl"),
    path("grants.json", views.grants_json, name="grants_open_data_json"),
    path("grants.csv", views.grants_csv, name="grants_open_data_csv"),
    path("audit/verify/", views.audit_verify, name="grants_audit_verify"),
]

# All of open data is public.
PUBLIC_ROUTES = frozenset(pattern.name for pattern in urlpatterns)
