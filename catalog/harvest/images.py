"""The logo and screenshots a publiccode.yml names, fetched and checked."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_noop

from core.fetch import FetchError, fetch
from core.i18n import Sentence, storable

from ..models import CatalogApp
from ..models_harvest import (
    HarvestedImage,
)
from ..uploads import validate_image
from .repositories import (
    MAX_SCREENSHOTS,
    repository_path,
)

# --- logo and screenshots ---------------------------------------------------------------


def image_sources(doc: dict) -> list[tuple[str, str, int]]:
    """(kind, source, position) of the logo and screenshots a document names."""
    sources = []
    logo = str(doc.get("logo") or "").strip()
    if logo:
        sources.append((HarvestedImage.Kind.LOGO, logo, 0))
    seen: list[str] = []
    for block in (doc.get("description") or {}).values():
        for item in (block or {}).get("screenshots") or []:
            item = str(item or "").strip()
            if item and item not in seen and len(seen) < MAX_SCREENSHOTS:
                seen.append(item)
    sources += [
        (HarvestedImage.Kind.SCREENSHOT, item, position)
        for position, item in enumerate(seen)
    ]
    return sources


def _fetch_image(reader, source: str) -> bytes:
    if source.lower().startswith(("https://", "http://")):
        return fetch(source, max_bytes=settings.MAX_IMAGE_UPLOAD_BYTES).content
    path = repository_path(source)
    if path is None:
        raise FetchError(
            "scheme",
            Sentence(
                gettext_noop("%(path)s is not a path inside the repository."),
                path=source,
            ),
        )
    return reader.read(path)


def images_refresh(app: CatalogApp, doc: dict, reader, *, refetch: bool) -> list[dict]:
    """Fetch the images `doc` names (all again with `refetch`, else the new ones).

    Images no longer named are removed. Returns [{source, message}] of those
    that could not be fetched or are not PNG, JPEG or WebP pictures, each
    message a stored sentence (core/i18n.py) shown in the reader's language.
    """
    wanted = image_sources(doc)
    stored = {(row.kind, row.source): row for row in app.harvested_images.all()}
    for key, row in stored.items():
        if key not in {(kind, source) for kind, source, _pos in wanted}:
            row.delete()
    problems = []
    for kind, source, position in wanted:
        row = stored.get((kind, source))
        if row is not None and not refetch:
            if row.position != position:
                HarvestedImage.objects.filter(pk=row.pk).update(position=position)
            continue
        try:
            content = _fetch_image(reader, source)
            upload = ContentFile(content, name="image")
            validate_image(upload)
        except FetchError as exc:
            problems.append({"source": source, "message": exc.message.stored()})
            continue
        except ValidationError as exc:
            # One Sentence from validate_image: kept to be read in any language.
            message = getattr(exc, "message", " ".join(exc.messages))
            problems.append({"source": source, "message": storable(message)})
            continue
        with transaction.atomic():
            if row is not None:
                row.delete()
            HarvestedImage.objects.create(
                app=app, kind=kind, source=source, image=upload, position=position
            )
    return problems
