"""Helpers several grants models share: where uploaded files are stored."""

from __future__ import annotations

from core.storage import tenant_file_name


def upload_path(instance, filename: str) -> str:
    """Under the tenant's prefix (its schema name), with a random name; the
    original name is not used."""
    from django.db import connection

    content_type = getattr(instance, "content_type", "") or getattr(
        instance, "photo_content_type", ""
    )
    extension = {
        "application/pdf": "pdf",
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/webp": "webp",
    }.get(content_type, "bin")
    return tenant_file_name(connection.schema_name, "grants", extension)
