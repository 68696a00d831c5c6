"""Checks on uploaded files: by content and size, never by the name they came with."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

from core.i18n import Sentence

# One PDF check for every app (re-exported for catalog.services).
from core.uploads import upload_size as _size
from core.uploads import validate_pdf  # noqa: F401

IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
MAX_IMAGE_PIXELS = 6000 * 6000


def validate_image(upload) -> None:
    """A PNG, JPEG or WebP picture within the size limit; renames it to a safe name.

    Its messages are Sentences (core/i18n.py): the harvest keeps them for
    publishers who read them later, in their own language."""
    from PIL import Image, UnidentifiedImageError

    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if _size(upload) > limit:
        raise ValidationError(
            Sentence(
                gettext_noop("The image is larger than %(mb)d MB."),
                mb=limit // (1024 * 1024),
            )
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
        raise ValidationError(
            Sentence(gettext_noop("The file is not a PNG, JPEG or WebP image."))
        ) from None
    finally:
        upload.seek(0)
    if kind not in IMAGE_FORMATS:
        raise ValidationError(
            Sentence(gettext_noop("The file is not a PNG, JPEG or WebP image."))
        )
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(Sentence(gettext_noop("The image has too many pixels.")))
    upload.name = f"{uuid.uuid4().hex}.{IMAGE_FORMATS[kind]}"
