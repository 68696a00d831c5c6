"""Checks on uploaded files: by content and size, never by the name they came with."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
MAX_IMAGE_PIXELS = 6000 * 6000


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    return size


def validate_image(upload) -> None:
    """A PNG, JPEG or WebP picture within the size limit; renames it to a safe name."""
    from PIL import Image, UnidentifiedImageError

    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if _size(upload) > limit:
        raise ValidationError(
            _("The image is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ):
        raise ValidationError(_("The file is not a PNG, JPEG or WebP image.")) from None
    finally:
        upload.seek(0)
    if kind not in IMAGE_FORMATS:
        raise ValidationError(_("The file is not a PNG, JPEG or WebP image."))
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(_("The image has too many pixels."))
    upload.name = f"{uuid.uuid4().hex}.{IMAGE_FORMATS[kind]}"


def validate_pdf(upload) -> None:
    """A PDF (by its header) within the size limit; renames it to a safe name."""
    limit = settings.MAX_PDF_UPLOAD_BYTES
    if _size(upload) > limit:
        raise ValidationError(
            _("The PDF is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if not head.lstrip().startswith(b"%PDF-"):
        raise ValidationError(_("The file is not a PDF document."))
    upload.name = f"{uuid.uuid4().hex}.pdf"
