"""The public, read-only catalog API of the platform host (/api/v1/).

Views parse the query, call catalog.selectors and serialize; the OpenAPI
document at /api/v1/schema/ is generated from the serializers below, and the
tests validate every response against that document.
"""

from .http import api_version
from .openapi import document_http
from .schema import SchemaView
from .views import AppDetailView, AppListView, AppPublicCodeView, api_not_found

__all__ = [
    "AppDetailView",
    "AppListView",
    "AppPublicCodeView",
    "SchemaView",
    "api_not_found",
    "api_version",
    "document_http",
]
