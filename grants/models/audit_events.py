"""The append-only, hash-chained audit event of every grants step."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .programs import Program
from .proposals import Proposal


def _audit_actions():
    from ..workflow import AuditAction

    return AuditAction.choices


class AuditEvent(models.Model):
    """Append-only, hash-chained record of every step (see grants/audit.py).

    Scheme v1 (events written before private parts existed): hash = SHA-256(
    prev_hash + canonical JSON of the public fields). Scheme v2: the public
    fields plus `v` and `private_digest`, a salted digest of the private part
    (back-office notes, recipient data, who acted), whose salt and content are
    stored here and never published. Anyone who downloads
    /open-data/audit.jsonl can recompute the chain either way.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    # One of grants.workflow.AuditAction (the declared steps and events); the
    # database refuses any other name (migration 0013).
    action = models.CharField(max_length=30, choices=_audit_actions)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    stage = models.CharField(max_length=200, blank=True)
    actor_role = models.CharField(max_length=30, blank=True)
    actor_label = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "Public: an official's name, or 'applicant'; never a private person."
        ),
    )
    amounts = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The hashing scheme. Rows written before v2 existed stay v1 and are never
    # rehashed; grants.audit.append writes v2.
    v = models.PositiveSmallIntegerField(default=1, db_default=1)
    # Private part (v2): never published; covered through private_digest.
    private = models.JSONField(default=dict, blank=True, db_default={})
    salt = models.CharField(max_length=64, blank=True, db_default="")
    private_digest = models.CharField(max_length=64, blank=True, db_default="")
    # The user (public schema, by id) who acted; also in the private part.
    actor_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["proposal", "seq"], name="grants_event_proposal")
        ]

    def __str__(self):
        return f"#{self.seq} {self.action}"

    @property
    def staff_note(self) -> str:
        """The note as the back office sees it: the public one, else the private one."""
        private = self.private if isinstance(self.private, dict) else {}
        return self.note or private.get("note", "")

    @property
    def note_is_public(self) -> bool:
        return bool(self.note)
