"""Photos people upload (a citizen's report, a complaint): checked by content and
re-encoded before anything stores them, so no metadata of the sender's phone
(GPS position, camera serial, time) ever reaches the storage.

Shared by every app (Sabilulungan's citizen reports, Laksa's complaints):

    photo = clean_photo(upload)          # raises ValidationError with a plain message
    photo.content       # the re-encoded bytes: no EXIF, XMP, ICC or text chunks
    photo.content_type  # "image/jpeg", "image/png" or "image/webp"
    photo.extension     # "jpg", "png" or "webp"
    photo.as_file()     # a ContentFile with a random name, for a FileField

or in a form, `PhotoField(required=False)`, whose cleaned value is a `Photo`.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.uploads import upload_size

# First bytes of each accepted format; the name and the declared type are ignored.
SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
ACCEPT = "image/jpeg,image/png,image/webp"
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# A phone camera takes up to ~50 megapixels; a "pixel bomb" (a small file that
# decodes to gigabytes) claims far more in its header.
DEFAULT_MAX_PIXELS = 50_000_000


@dataclass(frozen=True)
class Photo:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int

    def as_file(self) -> ContentFile:
        return ContentFile(self.content, name=f"{uuid.uuid4().hex}.{self.extension}")


def _sniff(head: bytes) -> str:
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return ""


def _limits() -> tuple[int, int]:
    return (
        getattr(settings, "MAX_PHOTO_UPLOAD_BYTES", DEFAULT_MAX_BYTES),
        getattr(settings, "MAX_PHOTO_PIXELS", DEFAULT_MAX_PIXELS),
    )


def clean_photo(upload) -> Photo:
    """A JPEG, PNG or WebP photo within the size and pixel limits, decoded and
    encoded again without any metadata (turned upright first, as the phone
    meant it). Raises ValidationError with a message for the person."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    max_bytes, max_pixels = _limits()
    size = upload_size(upload)
    if size > max_bytes:
        raise ValidationError(
            _("The photo is larger than %(mb)d MB.")
            % {"mb": max_bytes // (1024 * 1024)},
            code="photo_too_large",
        )
    if size == 0:
        raise ValidationError(_("The photo file is empty."), code="photo_empty")
    upload.seek(0)
    kind = _sniff(upload.read(16))
    upload.seek(0)
    not_a_photo = ValidationError(
        _("The file is not a JPEG, PNG or WebP photo."), code="photo_format"
    )
    if not kind:
        raise not_a_photo
    try:
        with warnings.catch_warnings():
            # Pillow warns (instead of failing) between its limit and twice it.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.format != kind:
                    raise not_a_photo
                width, height = image.size
                # The header is read, the pixels not yet: refuse a bomb before decoding.
                if width * height > max_pixels or width < 1 or height < 1:
                    raise ValidationError(
                        _("The photo has too many pixels; send a smaller one."),
                        code="photo_pixels",
                    )
                image.load()
                upright = ImageOps.exif_transpose(image)
                content = _encode(upright, kind)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ):
        raise not_a_photo from None
    finally:
        upload.seek(0)
    content_type, extension = FORMATS[kind]
    return Photo(
        content=content,
        content_type=content_type,
        extension=extension,
        width=upright.width,
        height=upright.height,
    )


def _encode(image, kind: str) -> bytes:
    """Only the pixels: a new image carries no EXIF, XMP, ICC profile or text chunk."""
    from PIL import Image

    if kind == "JPEG":
        mode = "L" if image.mode in ("L", "1") else "RGB"
    else:
        mode = (
            "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
        )
        if image.mode in ("L", "1") and mode == "RGB":
            mode = "L"
    pixels = image.convert(mode)
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if kind == "JPEG":
        clean.save(out, format="JPEG", quality=85, optimize=True)
    elif kind == "PNG":
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="WEBP", quality=85)
    return out.getvalue()


class PhotoField(forms.FileField):
    """A file input for one photo; its cleaned value is a `Photo` (or None)."""

    default_error_messages = {
        "invalid": gettext_lazy("No file was sent. Choose the photo again."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        return clean_photo(upload)
