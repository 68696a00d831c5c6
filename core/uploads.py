"""Checks on uploaded documents shared by every app: by content and size, never by name."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def upload_size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    return size


def validate_pdf(upload, *, parse: bool = False) -> None:
    """A PDF within the size limit, by its header (and, with `parse`, by reading
    it: an unreadable, encrypted or page-less file is refused); renames it to a
    safe random name. The name and content type it came with are ignored."""
    limit = settings.MAX_PDF_UPLOAD_BYTES
    size = upload_size(upload)
    if size > limit:
        raise ValidationError(
            _("The PDF is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        )
    if size == 0:
        raise ValidationError(_("The file is empty."))
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if not head.lstrip().startswith(b"%PDF-"):
        raise ValidationError(_("The file is not a PDF document."))
    if parse:
        _parse_pdf(upload)
    upload.name = f"{uuid.uuid4().hex}.pdf"


def _parse_pdf(upload) -> None:
    from pypdf import PdfReader

    try:
        upload.seek(0)
        reader = PdfReader(upload, strict=False)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    except Exception:  # hostile input may fail anywhere inside the parser
        raise ValidationError(
            _(
                "The file starts like a PDF but cannot be read as one; export it again as PDF."
            )
        ) from None
    finally:
        upload.seek(0)
    if encrypted:
        raise ValidationError(
            _("The PDF is protected with a password; upload it without protection.")
        )
    if pages < 1:
        raise ValidationError(_("The PDF has no pages."))
