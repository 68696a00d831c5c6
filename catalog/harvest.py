"""A catalog that keeps itself up to date from the apps' repositories.

A catalog entry is linked to its repository (`repository_link_set`); nothing is
fetched until an administrator of the publishing organisation approves the
link (`repository_link_approve`). Then a background job (core/jobs.py) reads
publiccode.yml from the repository's default branch every
`HARVEST_INTERVAL_HOURS`, and at once when the publisher asks ("check now"):

- a file that changed is imported as the publisher's own upload would be
  (catalog.publiccode.import_publiccode: all or nothing, the validator's
  rules, new releases recorded), and the change is kept as a new version of
  the entry with its field-by-field differences (`CatalogAppVersion`);
- a repository that cannot be read, a missing file, an invalid one (every
  problem by field path), a file describing another repository or another
  publisher: the entry is left unchanged and the failure is shown to the
  publisher (`harvest_failures`, on the publisher's pages) until a later check
  succeeds;
- the logo and screenshots the file names are fetched (through core/fetch.py,
  checked by content with Pillow, stored with Django's storage API) and shown
  on the catalog page; those that cannot be fetched are shown as links.

Every fetch goes through core/fetch.py or core/gitfetch.py: https only,
public addresses only (after DNS and on every redirect), capped in size and time.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from core.fetch import FetchError, check_url, fetch
from core.gitfetch import GitCheckout
from core.jobs import job_enqueue

from .access import access_catalog_admin
from .models import CatalogApp, Release
from .models_harvest import (
    CatalogAppVersion,
    HarvestedImage,
    HarvestRun,
    RepositoryLink,
)
from .publiccode import PubliccodeError, import_publiccode, parse
from .uploads import validate_image

logger = logging.getLogger(__name__)

Host = RepositoryLink.Host
Outcome = HarvestRun.Outcome
Problem = HarvestRun.Problem

FILE_NAMES = ("publiccode.yml", "publiccode.yaml")
KNOWN_HOSTS = {
    "github.com": Host.GITHUB,
    "www.github.com": Host.GITHUB,
    "gitlab.com": Host.GITLAB,
    "codeberg.org": Host.GITEA,
    "gitea.com": Host.GITEA,
    "bitbucket.org": Host.BITBUCKET,
}
MAX_SCREENSHOTS = 10
# Checks kept per link (older ones are removed; versions stay).
RUNS_KEPT = 50


# --- repositories --------------------------------------------------------------


def host_of(link: RepositoryLink) -> str:
    """The code host kind used to read the repository."""
    parts = urlsplit(link.repository_url)
    if parts.scheme == "file":
        return Host.GIT
    if link.host != Host.AUTO:
        return link.host
    return KNOWN_HOSTS.get((parts.hostname or "").lower(), Host.GIT)


def _project(url: str) -> tuple[str, str]:
    """(scheme://host[:port], owner/…/name) of a repository address."""
    parts = urlsplit(url.strip())
    path = parts.path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    # Addresses of pages inside a repository: keep the repository part.
    for marker in ("/-/", "/tree/", "/blob/", "/src/"):
        path = path.split(marker, 1)[0]
    return f"{parts.scheme}://{parts.netloc}", path


def raw_url(kind: str, repository_url: str, path: str) -> str:
    """The address of `path` on the default branch, by the code host's raw-file API."""
    base, project = _project(repository_url)
    quoted = quote(path)
    segments = project.split("/")
    if kind == Host.GITHUB:
        return (
            f"https://raw.githubusercontent.com/{'/'.join(segments[:2])}/HEAD/{quoted}"
        )
    if kind == Host.GITLAB:
        return f"{base}/{project}/-/raw/HEAD/{quoted}"
    if kind == Host.GITEA:
        # The API's raw endpoint reads the default branch when no ref is given.
        return f"{base}/api/v1/repos/{'/'.join(segments[:2])}/raw/{quoted}"
    if kind == Host.BITBUCKET:
        return f"{base}/{'/'.join(segments[:2])}/raw/HEAD/{quoted}"
    raise ValueError(kind)


def repository_path(path: str) -> str | None:
    """A path inside the repository (no leading slash, no `..`), else None."""
    path = path.strip()
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return None
    normal = posixpath.normpath(path)
    if normal.startswith("..") or normal == ".":
        return None
    return normal


class _RawReader:
    def __init__(self, kind: str, url: str):
        self.kind, self.url = kind, url

    def read(self, path: str) -> bytes:
        return fetch(raw_url(self.kind, self.url, path)).content


@contextmanager
def repository_open(link: RepositoryLink):
    """A reader of the default branch: `.read(path)` gives a file's bytes."""
    kind = host_of(link)
    if kind == Host.GIT:
        with GitCheckout(link.repository_url) as checkout:
            yield checkout
    else:
        check_url(link.repository_url)
        yield _RawReader(kind, link.repository_url)


def _read_publiccode(reader) -> bytes:
    for name in FILE_NAMES:
        try:
            return reader.read(name)
        except FetchError as exc:
            if exc.reason != "not_found":
                raise
    raise FetchError(
        "not_found",
        _("The repository has no publiccode.yml on its default branch."),
    )


# --- links: set, approve, remove, check now ----------------------------------------------


def _clean_repository_url(url: str) -> str:
    url = (url or "").strip()
    try:
        scheme, host, _port = check_url(url)
    except FetchError as exc:
        raise ValidationError({"repository_url": [str(exc)]}) from None
    _base, project = _project(url)
    if scheme != "file" and "/" not in project:
        raise ValidationError(
            {
                "repository_url": [
                    _(
                        "Give the address of the repository itself, e.g. "
                        "https://github.com/organisation/app."
                    )
                ]
            }
        )
    if len(url) > 300:
        raise ValidationError(
            {"repository_url": [_("The address is longer than 300 characters.")]}
        )
    return url


def repository_link_set(
    *, actor, app: CatalogApp, repository_url: str, host: str = Host.AUTO
) -> RepositoryLink:
    """Link `app` to its repository. A new or changed address waits for approval."""
    access_catalog_admin(actor, app.publisher)
    url = _clean_repository_url(repository_url)
    if host not in Host.values:
        raise ValidationError({"host": [_("Choose a code host from the list.")]})
    with transaction.atomic():
        link = RepositoryLink.objects.select_for_update().filter(app=app).first()
        if link is not None and link.repository_url == url and link.host == host:
            return link
        if link is None:
            link = RepositoryLink(app=app)
        link.repository_url = url
        link.host = host
        link.proposed_by = actor
        link.proposed_at = timezone.now()
        link.approved_by = None
        link.approved_at = None
        link.last_digest = ""
        link.check_requested_at = None
        link.save()
    logger.info("repository link of %s set to %s", app.slug, url)
    return link


def repository_link_approve(*, actor, app: CatalogApp) -> RepositoryLink:
    """An administrator of the publisher confirms the link; the first check is queued."""
    access_catalog_admin(actor, app.publisher)
    with transaction.atomic():
        link = RepositoryLink.objects.select_for_update().filter(app=app).first()
        if link is None:
            raise ValidationError(_("This entry is not linked to a repository."))
        if link.is_approved:
            return link
        link.approved_by = actor
        link.approved_at = timezone.now()
        link.check_requested_at = timezone.now()
        link.save(update_fields=["approved_by", "approved_at", "check_requested_at"])
        _enqueue(link, HarvestRun.Trigger.MANUAL)
    return link


def repository_link_remove(*, actor, app: CatalogApp) -> None:
    """Stop keeping the entry up to date (its versions and releases stay)."""
    access_catalog_admin(actor, app.publisher)
    RepositoryLink.objects.filter(app=app).delete()


def repository_check_request(*, actor, app: CatalogApp) -> RepositoryLink:
    """ "Check now": queue a check unless one is already waiting."""
    access_catalog_admin(actor, app.publisher)
    with transaction.atomic():
        link = RepositoryLink.objects.select_for_update().filter(app=app).first()
        if link is None or not link.is_approved:
            raise ValidationError(
                _("The repository link must be approved before it is checked.")
            )
        if link.check_requested_at is None:
            link.check_requested_at = timezone.now()
            link.save(update_fields=["check_requested_at"])
            _enqueue(link, HarvestRun.Trigger.MANUAL)
    return link


def _enqueue(link: RepositoryLink, trigger: str) -> None:
    job_enqueue("catalog.harvest.harvest_link", link_id=link.pk, trigger=trigger)


# --- the jobs ---------------------------------------------------------------------


def harvest_due(*, now=None) -> int:
    """Periodic: queue a check of every approved link not checked for the interval."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.HARVEST_INTERVAL_HOURS)
    due = list(
        RepositoryLink.objects.filter(approved_at__isnull=False)
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
        .values_list("pk", flat=True)
    )
    for link_id in due:
        job_enqueue(
            "catalog.harvest.harvest_link",
            link_id=link_id,
            trigger=HarvestRun.Trigger.SCHEDULE,
        )
    return len(due)


def harvest_link(*, link_id: int, trigger: str = HarvestRun.Trigger.SCHEDULE):
    """The job: check one link (gone or unapproved links are skipped)."""
    link = (
        RepositoryLink.objects.filter(pk=link_id, approved_at__isnull=False)
        .select_related("app__publisher")
        .first()
    )
    if link is None:
        return None
    # Messages are kept in the platform's language (the worker has no visitor).
    with translation.override(settings.LANGUAGE_CODE):
        try:
            run = harvest(link, trigger=trigger)
        except Exception:
            # A fault of ours, not of the repository: logged for the operators,
            # and shown to the publisher so the entry is not silently stale.
            logger.exception("checking the repository of %s failed", link.app.slug)
            run = _failed(
                link,
                trigger,
                Problem.ERROR,
                _(
                    "The check could not be completed because of an error on "
                    "BagiPakai's side; it is tried again at the next check."
                ),
            )
    return run.outcome


def _failed(link, trigger, problem, message, issues=()) -> HarvestRun:
    return _record(
        link,
        trigger,
        outcome=Outcome.FAILED,
        problem=problem,
        message=message,
        issues=[{"path": i.path, "message": i.message} for i in issues],
    )


def _record(link, trigger, *, digest=None, **fields) -> HarvestRun:
    with transaction.atomic():
        run = HarvestRun.objects.create(link=link, trigger=trigger, **fields)
        now = timezone.now()
        update = {"last_checked_at": now, "check_requested_at": None, "last_run": run}
        if digest is not None:
            update["last_digest"] = digest
        RepositoryLink.objects.filter(pk=link.pk).update(**update)
        for name, value in update.items():
            setattr(link, name, value)
        old = list(
            HarvestRun.objects.filter(link=link).values_list("pk", flat=True)[
                RUNS_KEPT:
            ]
        )
        if old:
            HarvestRun.objects.filter(pk__in=old).delete()
    return run


_PROBLEM_OF_FETCH = {
    "refused_address": Problem.REFUSED,
    "scheme": Problem.REFUSED,
    "not_found": Problem.MISSING,
}


def harvest(link: RepositoryLink, *, trigger: str) -> HarvestRun:
    """Check `link` once: update the entry from a changed valid file, or report why not."""
    app = link.app
    try:
        with repository_open(link) as reader:
            data = _read_publiccode(reader)
            digest = hashlib.sha256(data).hexdigest()
            changed = digest != link.last_digest
            if not changed and trigger != HarvestRun.Trigger.MANUAL:
                last = link.last_run
                if last is not None and last.outcome != Outcome.FAILED:
                    return _record(link, trigger, outcome=Outcome.UNCHANGED)
            try:
                doc = parse(data)
            except PubliccodeError as exc:
                return _failed(
                    link,
                    trigger,
                    Problem.INVALID,
                    _("The publiccode.yml of the repository is not valid."),
                    exc.issues,
                )
            if str(doc.get("url") or "").strip() != app.url:
                return _failed(
                    link,
                    trigger,
                    Problem.OTHER_REPOSITORY,
                    _(
                        "The file's url (%(file)s) is not this entry's source "
                        "repository (%(entry)s); nothing was changed."
                    )
                    % {"file": str(doc.get("url") or ""), "entry": app.url},
                )
            try:
                version = _apply(app, data, origin=link.repository_url)
            except PubliccodeError as exc:
                return _failed(
                    link,
                    trigger,
                    Problem.INVALID,
                    _("The publiccode.yml could not be applied to the entry."),
                    exc.issues,
                )
            media_problems = images_refresh(
                app,
                doc,
                reader,
                refetch=changed or trigger == HarvestRun.Trigger.MANUAL,
            )
            return _record(
                link,
                trigger,
                digest=digest,
                outcome=Outcome.UPDATED if version else Outcome.UNCHANGED,
                version=version,
                media_problems=media_problems,
            )
    except FetchError as exc:
        return _failed(
            link,
            trigger,
            _PROBLEM_OF_FETCH.get(exc.reason, Problem.UNREACHABLE),
            str(exc),
        )


# --- versions: what changed, field by field ---------------------------------------------


TYPED_FIELDS = (
    "name",
    "short_description_id",
    "short_description_en",
    "long_description_id",
    "long_description_en",
    "features",
    "features_en",
    "categories",
    "scope",
    "development_status",
    "software_type",
    "license",
    "url",
    "documentation_url",
    "landing_url",
    "platforms",
    "languages",
    "maintenance_type",
    "contacts",
    "publiccode_version",
    "localisation_ready",
    "logo_url",
)


def _flatten(value, path: str, out: dict) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and any(isinstance(i, (dict, list)) for i in value):
        for index, item in enumerate(value):
            _flatten(item, f"{path}[{index}]", out)
    else:
        out[path] = value


def entry_changes(before: dict, after: dict) -> list[dict]:
    """[{field, old, new}] between two snapshots (document paths, or typed fields)."""
    changes = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes.append({"field": key, "old": old, "new": new})
    return changes


def _snapshot(app: CatalogApp) -> dict:
    """The entry as a flat dict: the document's paths, else its typed fields."""
    if app.publiccode:
        flat: dict = {}
        _flatten(app.publiccode, "", flat)
        return flat
    return _typed(app)


def _typed(app: CatalogApp) -> dict:
    return {f"@{name}": getattr(app, name) for name in TYPED_FIELDS}


def _apply(app: CatalogApp, data: bytes, *, origin: str) -> CatalogAppVersion | None:
    """Import the file over the entry; a new version if anything changed."""
    with transaction.atomic():
        app = CatalogApp.objects.select_for_update().get(pk=app.pk)
        had_document = bool(app.publiccode)
        before = _snapshot(app)
        releases_before = set(app.releases.values_list("pk", flat=True))
        result = import_publiccode(actor=None, publisher=app.publisher, data=data)
        app = result.app
        # An entry made in the catalog had no document: compare its typed fields.
        after = _snapshot(app) if had_document else _typed(app)
        changes = entry_changes(_jsonable(before), _jsonable(after))
        new_release = (
            Release.objects.filter(app=app)
            .exclude(pk__in=releases_before)
            .order_by("-released_on", "-pk")
            .first()
        )
        if not changes and new_release is None:
            return None
        last = (
            CatalogAppVersion.objects.filter(app=app)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        return CatalogAppVersion.objects.create(
            app=app,
            number=(last or 0) + 1,
            source=CatalogAppVersion.Source.HARVEST,
            changes=changes,
            release=new_release,
            origin=origin[:300],
        )


def _jsonable(snapshot: dict) -> dict:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))


# Labels of the standard's keys, for the history (plain words, never raw keys).
KEY_LABELS = {
    "name": gettext_lazy("Name"),
    "url": gettext_lazy("Source repository"),
    "landingURL": gettext_lazy("Website or demo"),
    "isBasedOn": gettext_lazy("Based on"),
    "softwareVersion": gettext_lazy("Software version"),
    "releaseDate": gettext_lazy("Release date"),
    "logo": gettext_lazy("Logo"),
    "monochromeLogo": gettext_lazy("Monochrome logo"),
    "platforms": gettext_lazy("Platforms"),
    "categories": gettext_lazy("Categories"),
    "usedBy": gettext_lazy("Used by"),
    "roadmap": gettext_lazy("Roadmap"),
    "developmentStatus": gettext_lazy("Development status"),
    "softwareType": gettext_lazy("Software type"),
    "intendedAudience": gettext_lazy("Intended audience"),
    "scope": gettext_lazy("Scope"),
    "countries": gettext_lazy("Countries"),
    "unsupportedCountries": gettext_lazy("Unsupported countries"),
    "description": gettext_lazy("Description"),
    "localisedName": gettext_lazy("Localised name"),
    "genericName": gettext_lazy("Generic name"),
    "shortDescription": gettext_lazy("Short description"),
    "longDescription": gettext_lazy("Long description"),
    "documentation": gettext_lazy("Documentation"),
    "apiDocumentation": gettext_lazy("API documentation"),
    "features": gettext_lazy("Features"),
    "screenshots": gettext_lazy("Screenshots"),
    "videos": gettext_lazy("Videos"),
    "awards": gettext_lazy("Awards"),
    "legal": gettext_lazy("Legal"),
    "license": gettext_lazy("Licence"),
    "mainCopyrightOwner": gettext_lazy("Copyright owner"),
    "repoOwner": gettext_lazy("Repository owner"),
    "authorsFile": gettext_lazy("Authors file"),
    "maintenance": gettext_lazy("Maintenance"),
    "type": gettext_lazy("Type"),
    "contractors": gettext_lazy("Contractors"),
    "contacts": gettext_lazy("Contacts"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "affiliation": gettext_lazy("Affiliation"),
    "until": gettext_lazy("Until"),
    "website": gettext_lazy("Website"),
    "localisation": gettext_lazy("Localisation"),
    "localisationReady": gettext_lazy("Ready for translation"),
    "availableLanguages": gettext_lazy("Available languages"),
    "dependsOn": gettext_lazy("Dependencies"),
    "open": gettext_lazy("Open"),
    "proprietary": gettext_lazy("Proprietary"),
    "hardware": gettext_lazy("Hardware"),
    "version": gettext_lazy("Version"),
    "versionMin": gettext_lazy("Minimum version"),
    "versionMax": gettext_lazy("Maximum version"),
    "optional": gettext_lazy("Optional"),
    "organisation": gettext_lazy("Organisation"),
    "uri": gettext_lazy("Address"),
    "fundedBy": gettext_lazy("Funded by"),
    "applicationSuite": gettext_lazy("Application suite"),
    "publiccodeYmlVersion": gettext_lazy("publiccode.yml version"),
    "inputTypes": gettext_lazy("Input types"),
    "outputTypes": gettext_lazy("Output types"),
    "it": gettext_lazy("Italian section"),
    "IT": gettext_lazy("Italian section"),
}


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code.split("-")[0].lower())["name_translated"])
    except KeyError:
        return code


def change_label(field: str) -> str:
    """A translated label for a change's field: a typed field or a document path."""
    if field.startswith("@"):
        name = field[1:]
        special = {
            "features": _("Features"),
            "features_en": _("Features (English)"),
            "categories": _("Categories"),
            "scope": _("Scope"),
            "platforms": _("Platforms"),
            "languages": _("Available languages"),
        }
        if name in special:
            return special[name]
        label = str(CatalogApp._meta.get_field(name).verbose_name)
        return label[:1].upper() + label[1:]
    parts = []
    previous = ""
    for piece in field.split("."):
        key, _bracket, index = piece.partition("[")
        if previous == "description":
            label = _language_name(key)
        else:
            label = str(KEY_LABELS.get(key, key))
        if index:
            for number in index.rstrip("]").split("]["):
                label += f" {int(number) + 1}" if number.isdigit() else ""
        parts.append(label)
        previous = key
    return " › ".join(parts)


def change_text(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(change_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {change_text(v)}" for k, v in value.items())
    return str(value)


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
            _("%(path)s is not a path inside the repository.") % {"path": source},
        )
    return reader.read(path)


def images_refresh(app: CatalogApp, doc: dict, reader, *, refetch: bool) -> list[dict]:
    """Fetch the images `doc` names (all again with `refetch`, else the new ones).

    Images no longer named are removed. Returns [{source, message}] of those
    that could not be fetched or are not PNG, JPEG or WebP pictures.
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
            problems.append({"source": source, "message": str(exc)})
            continue
        except ValidationError as exc:
            problems.append({"source": source, "message": " ".join(exc.messages)})
            continue
        with transaction.atomic():
            if row is not None:
                row.delete()
            HarvestedImage.objects.create(
                app=app, kind=kind, source=source, image=upload, position=position
            )
    return problems


# --- what the publisher sees ------------------------------------------------------------


def harvest_failures(tenant):
    """Linked entries of `tenant` whose last check failed (the publisher's to-do)."""
    return (
        RepositoryLink.objects.filter(
            app__publisher=tenant, last_run__outcome=Outcome.FAILED
        )
        .select_related("app", "last_run")
        .order_by("app__name")
    )


def failed_links():
    """Every linked entry whose last check failed (the operators' to-do)."""
    return RepositoryLink.objects.filter(last_run__outcome=Outcome.FAILED)


def app_versions(app: CatalogApp):
    return CatalogAppVersion.objects.filter(app=app).select_related("release")


def version_rows(version: CatalogAppVersion) -> list[dict]:
    """A version's changes for display, labels in the current language."""
    return [
        {
            "label": change_label(change["field"]),
            "old": change_text(change.get("old")),
            "new": change_text(change.get("new")),
        }
        for change in version.changes
    ]
