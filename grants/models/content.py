"""Public portal content: announcements (pengumuman) and regulations (peraturan)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Announcement(models.Model):
    """A pengumuman on the public portal: calls, deadlines, results."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=10000)
    published_on = models.DateField(_("published on"), default=timezone.localdate)
    is_published = models.BooleanField(
        _("shown in public"),
        default=True,
        help_text=_("Untick to keep a draft or take an announcement down."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_on", "-pk"]
        indexes = [
            models.Index(
                fields=["is_published", "published_on"],
                name="grants_announcement_public",
            )
        ]

    def __str__(self):
        return self.title


class Regulation(models.Model):
    """A peraturan that governs the grants, e.g. a Peraturan Wali Kota."""

    title = models.CharField(_("title"), max_length=300)
    number = models.CharField(
        _("number"),
        max_length=200,
        help_text=_("e.g. Peraturan Wali Kota Bandung Nomor 123 Tahun 2023"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    summary = models.TextField(_("summary"), max_length=5000, blank=True)
    url = models.URLField(_("link to the text"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "number", "pk"]

    def __str__(self):
        return self.number
