"""Photos people send (a complaint's picture): checked by content, stripped of
metadata (camera location above all) before anything is stored.

    clean = images.photo_clean(upload)   # ContentFile, JPEG, no EXIF

The photo is decoded and encoded again, so nothing but the pixels survives:
no EXIF, no GPS position, no comments, no trailing data.
"""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

MAX_PHOTO_BYTES = 8 * 1024 * 1024
# Longest side after cleaning: enough to see a pothole, small for a phone upload.
MAX_SIDE = 2000
# Refuse decompression bombs before decoding them.
MAX_PIXELS = 40_000_000


def photo_clean(upload, *, max_bytes: int = MAX_PHOTO_BYTES) -> ContentFile:
    from PIL import Image, ImageOps, UnidentifiedImageError

    size = getattr(upload, "size", None)
    if size is None or size > max_bytes:
        raise ValidationError(
            _("The photo is larger than %(mb)d MB.")
            % {"mb": max_bytes // (1024 * 1024)}
        )
    if size == 0:
        raise ValidationError(_("The photo is empty."))
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in {"JPEG", "PNG", "WEBP"}:
                raise ValidationError(_("Send the photo as JPEG, PNG or WebP."))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The photo has too many pixels."))
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            # No exif= argument: the new file carries no metadata at all.
            image.save(out, format="JPEG", quality=85, optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The file is not a photo we can read.")) from None
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
