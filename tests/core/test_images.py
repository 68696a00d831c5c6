"""core/images.py: photos checked by content and re-encoded without metadata."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from core.images import PhotoField, clean_photo


def upload(content: bytes, name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "image/jpeg")


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[0x8825] = {1: "S", 2: (6.0, 54.0, 7.2), 3: "E", 4: (107.0, 36.0, 32.4)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_jpeg_loses_gps_and_camera_data_and_is_turned_upright():
    photo = clean_photo(upload(jpeg_with_gps()))
    assert photo.content_type == "image/jpeg" and photo.extension == "jpg"
    image = Image.open(io.BytesIO(photo.content))
    assert image.format == "JPEG"
    assert not image.getexif() and "exif" not in image.info
    assert b"KameraRahasia" not in photo.content
    assert image.size == (30, 40)  # the orientation was applied, then dropped


def test_png_loses_its_text_chunks_and_keeps_transparency():
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "-6.9147,107.6098")
    image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    photo = clean_photo(upload(out.getvalue(), "x.png"))
    assert photo.content_type == "image/png"
    assert b"Location" not in photo.content and b"107.6098" not in photo.content
    assert Image.open(io.BytesIO(photo.content)).mode == "RGBA"


def test_webp_is_accepted():
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(out, format="WEBP")
    photo = clean_photo(upload(out.getvalue(), "x.webp"))
    assert photo.content_type == "image/webp" and photo.extension == "webp"
    assert photo.as_file().name.endswith(".webp")


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4 not a photo",
        b"GIF89a" + b"\x00" * 40,
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG header and nothing else
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
    ],
)
def test_what_is_not_a_photo_is_refused(content):
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload(content))
    assert refused.value.code == "photo_format"


def test_a_png_named_jpeg_is_still_a_png():
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    assert clean_photo(upload(out.getvalue(), "x.jpg")).content_type == "image/png"


def test_empty_and_oversized_photos_are_refused(settings):
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload(b""))
    assert refused.value.code == "photo_empty"
    settings.MAX_PHOTO_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload(jpeg_with_gps()))
    assert refused.value.code == "photo_too_large"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def test_a_pixel_bomb_is_refused_before_decoding():
    """A tiny PNG whose header claims 100000 × 100000 pixels."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + _png_chunk(b"IEND", b"")
    )
    assert len(bomb) < 2000
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload(bomb, "bomb.png"))
    assert refused.value.code in ("photo_pixels", "photo_format")


def test_pixel_limit_is_a_setting(settings):
    settings.MAX_PHOTO_PIXELS = 100
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload(jpeg_with_gps()))
    assert refused.value.code == "photo_pixels"


def test_photo_field_is_optional_and_cleans_to_a_photo():
    field = PhotoField(required=False)
    assert field.clean(None) is None
    photo = field.clean(upload(jpeg_with_gps()))
    assert photo.content_type == "image/jpeg"
