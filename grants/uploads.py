"""Uploaded documents: PDF, JPEG or PNG by content, within the size limit."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff(upload) -> str:
    """The file's real type from its first bytes, or ValidationError. Its name is ignored."""
    limit = settings.MAX_PDF_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is None or size > limit:
        raise ValidationError(
            _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        )
    if size == 0:
        raise ValidationError(_("The file is empty."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    raise ValidationError(_("Only PDF, JPEG and PNG files are accepted."))
