"""Laksa's tables, in each tenant's own schema (no key out of it; users by id)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.storage import tenant_file_name

from .workflow import OPEN_STATES, WORKFLOW


class Opd(models.Model):
    """Organisasi Perangkat Daerah: a unit of the tenant that answers items."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("OPD")

    def __str__(self):
        return self.name


class Category(models.Model):
    """What an item is about; names the OPD it goes to and the deadline for an answer."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    # The routing rule: new items of this category go straight to this OPD;
    # without one, the router chooses by hand.
    opd = models.ForeignKey(
        Opd,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("OPD it goes to"),
    )
    sla_days = models.PositiveSmallIntegerField(_("days to answer"), default=5)
    sla_hours = models.PositiveSmallIntegerField(_("and hours"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")

    def __str__(self):
        return self.name


def photo_path(instance, filename: str) -> str:
    # The name core.images gave the cleaned photo ends in its format's extension.
    extension = filename.rsplit(".", 1)[-1].lower()
    if extension not in PHOTO_TYPES:
        extension = "jpg"
    return tenant_file_name(connection.schema_name, "laksa", extension)


# The formats core.images keeps a photo in, by extension.
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


class Item(models.Model):
    """An aspiration or complaint from a citizen, followed by its tracking code.

    The reporter's name, e-mail and phone, the photo and the message when the
    citizen did not let it be published are private: only staff see them.
    """

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        ASPIRATION = "aspiration", _("Aspiration or suggestion")

    tracking_code = models.CharField(max_length=16, unique=True)
    # A digest of the secret the citizen got with the code (rate, reopen).
    secret_digest = models.CharField(max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="items"
    )
    kecamatan_code = models.CharField(max_length=13)
    kecamatan = models.CharField(max_length=100)
    kelurahan_code = models.CharField(max_length=13)
    kelurahan = models.CharField(max_length=100)
    description = models.TextField(_("what happened"), max_length=3000)
    # The citizen let the message be shown on the public page (never their name).
    publish = models.BooleanField(default=False)
    photo = models.FileField(upload_to=photo_path, max_length=200, blank=True)
    anonymous = models.BooleanField(default=True)
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_email = models.EmailField(max_length=200, blank=True)
    reporter_phone = models.CharField(max_length=30, blank=True)
    # The language the citizen was reading when they left the address: what is
    # sent to it is written in it ("": the site's default; tenants.notifications).
    reporter_language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES
    )
    status = models.CharField(
        max_length=12, choices=WORKFLOW.state_choices(), default=WORKFLOW.initial
    )
    opd = models.ForeignKey(
        Opd, on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )
    created_at = models.DateTimeField(default=timezone.now)
    routed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by_id = models.BigIntegerField(null=True, blank=True)
    # Hours from receipt to the (latest) answer, for the public medians.
    response_hours = models.FloatField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    reopened = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A keyed hash of the sender's network, for rate limits; never the address.
    client_fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True)
                | models.Q(rating__gte=1, rating__lte=5),
                name="laksa_item_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="laksa_item_status_due"),
            models.Index(fields=["opd", "status", "due_at"], name="laksa_item_opd"),
            models.Index(
                fields=["client_fingerprint", "created_at"], name="laksa_item_rate"
            ),
        ]

    def __str__(self):
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def state(self):
        return WORKFLOW.state(self.status)


class MemberRole(models.Model):
    """A Laksa role held by a member of this tenant: `router`, `supervisor`, or
    `opd:<id>` (officer of that OPD). Assigned on the members page through the
    kernel's hosted-app contract (laksa/roles.py)."""

    user_id = models.BigIntegerField()
    role = models.CharField(max_length=30)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "role"], name="laksa_member_role_once"
            )
        ]

    def __str__(self):
        return f"{self.user_id}: {self.role}"


class AuditEvent(models.Model):
    """Append-only, hash-chained history of every item (laksa/audit.py).

    hash = SHA-256(prev_hash + canonical JSON of the public fields and
    `private_digest`), the salted digest of the private part (who acted,
    private notes). Published at /laksa/open-data/audit.jsonl.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=WORKFLOW.action_choices())
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    # The OPD the item is with after this step (a public unit, never a person).
    opd = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    private = models.JSONField(default=dict, blank=True)
    salt = models.CharField(max_length=64, blank=True)
    private_digest = models.CharField(max_length=64, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=WORKFLOW.action_keys()),
                name="laksa_event_action_declared",
            )
        ]
        indexes = [models.Index(fields=["item", "seq"], name="laksa_event_item")]

    def __str__(self):
        return f"#{self.seq} {self.action}"

    @property
    def done_label(self):
        return WORKFLOW.done_label(self.action)
