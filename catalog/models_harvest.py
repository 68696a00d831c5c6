"""A catalog that keeps itself up to date: repository links, checks, versions, images.

Imported by catalog.models (so Django sees these models); the logic is in
catalog/harvest.py.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import User


class RepositoryLink(models.Model):
    """A catalog entry linked to the repository whose publiccode.yml keeps it current.

    Nothing is fetched until an administrator of the publishing organisation
    approves the link (`approved_at`); changing the address asks again.
    """

    class Host(models.TextChoices):
        AUTO = "auto", _("Recognise from the address")
        GITHUB = "github", _("GitHub")
        GITLAB = "gitlab", _("GitLab (gitlab.com or self-hosted)")
        GITEA = "gitea", _("Gitea, Forgejo or Codeberg")
        BITBUCKET = "bitbucket", _("Bitbucket")
        GIT = "git", _("Other git server (smart HTTP)")

    app = models.OneToOneField(
        "catalog.CatalogApp", on_delete=models.CASCADE, related_name="repository_link"
    )
    repository_url = models.CharField(_("repository address"), max_length=300)
    host = models.CharField(
        _("code host"), max_length=20, choices=Host.choices, default=Host.AUTO
    )
    proposed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # A check queued by "check now" and not run yet (no second one is queued).
    check_requested_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the last file applied: an unchanged file is not parsed again.
    last_digest = models.CharField(max_length=64, blank=True)
    last_run = models.ForeignKey(
        "catalog.HarvestRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("repository link")
        verbose_name_plural = _("repository links")
        indexes = [
            models.Index(
                fields=["last_checked_at"],
                condition=models.Q(approved_at__isnull=False),
                name="catalog_repolink_due",
            ),
        ]

    def __str__(self):
        return self.repository_url

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class HarvestRun(models.Model):
    """One check of a linked repository and what came of it."""

    class Outcome(models.TextChoices):
        UPDATED = "updated", _("Entry updated")
        UNCHANGED = "unchanged", _("No change")
        FAILED = "failed", _("Failed")

    class Problem(models.TextChoices):
        UNREACHABLE = "unreachable", _("Repository unreachable")
        MISSING = "missing", _("No publiccode.yml in the repository")
        INVALID = "invalid", _("publiccode.yml is not valid")
        REFUSED = "refused", _("Address refused")
        OTHER_REPOSITORY = "other", _("The file describes another repository")
        ERROR = "error", _("The check could not be completed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Scheduled")
        MANUAL = "manual", _("Check now")

    link = models.ForeignKey(
        RepositoryLink, on_delete=models.CASCADE, related_name="runs"
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    problem = models.CharField(max_length=20, choices=Problem.choices, blank=True)
    # What went wrong, and for an invalid file every problem by field path
    # ([{path, message}]), as the importer reports it. Each message is a stored
    # sentence (core/i18n.py), shown in the reader's language: the worker that
    # writes it has no reader (checks recorded before 0011 kept their text).
    message = models.JSONField(default=dict, blank=True)
    issues = models.JSONField(default=list, blank=True)
    # Logos or screenshots that could not be fetched ([{source, message}]).
    media_problems = models.JSONField(default=list, blank=True)
    version = models.ForeignKey(
        "catalog.CatalogAppVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("repository check")
        verbose_name_plural = _("repository checks")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["link", "-at"], name="catalog_harvestrun_link")]

    def __str__(self):
        return f"{self.link} {self.outcome} {self.at:%Y-%m-%d %H:%M}"


class CatalogAppVersion(models.Model):
    """One change of a catalog entry, field by field ([{field, old, new}])."""

    class Source(models.TextChoices):
        HARVEST = "harvest", _("From the repository's publiccode.yml")

    app = models.ForeignKey(
        "catalog.CatalogApp", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    source = models.CharField(max_length=20, choices=Source.choices)
    changes = models.JSONField(default=list)
    release = models.ForeignKey(
        "catalog.Release",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Where the change came from, e.g. the repository address.
    origin = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("entry version")
        verbose_name_plural = _("entry versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "number"], name="catalog_appversion_unique"
            ),
        ]

    def __str__(self):
        return f"{self.app_id} v{self.number}"


def harvested_image_path(instance, filename: str) -> str:
    """Under the publisher's shared prefix, like the uploaded logos (core/storage.py)."""
    from .models import _shared_name

    return _shared_name(instance.app.publisher, "catalog/harvested", filename)


class HarvestedImage(models.Model):
    """A logo or screenshot named by the publiccode.yml, fetched and checked by content."""

    class Kind(models.TextChoices):
        LOGO = "logo", _("Logo")
        SCREENSHOT = "screenshot", _("Screenshot")

    app = models.ForeignKey(
        "catalog.CatalogApp", on_delete=models.CASCADE, related_name="harvested_images"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # As written in the file: a path in the repository or a web address.
    source = models.CharField(max_length=500)
    image = models.ImageField(upload_to=harvested_image_path, max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "kind", "source"], name="catalog_harvestedimage_unique"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.source}"
