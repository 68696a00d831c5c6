from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    """Sabilulungan: grants and social aid, in each adopting tenant's own schema."""

    name = "grants"
    verbose_name = _("Sabilulungan (grants and social aid)")

    def ready(self):
        from tenants.archive.registry import register_user_columns
        from tenants.chains import register_chain
        from tenants.mfa import register_power_roles

        from . import audit, models
        from .models import AuditEvent
        from .roles import MONEY_ROLES

        # Who approves or disburses money signs in with a second factor.
        register_power_roles(
            lambda membership: bool(MONEY_ROLES & set(membership.grant_roles))
        )
        # Users named by id in the tenant's schema, matched by e-mail on import
        # of the tenant's archive (tenants/archive/).
        register_user_columns(models.Applicant, "user_id")
        register_user_columns(models.AuditEvent, "actor_id")
        register_user_columns(models.RecipientAmendment, "requested_by_id", "decided_by_id")
        register_user_columns(models.ProposalDocument, "uploaded_by_id")
        register_user_columns(models.StageReview, "reviewer_id")
        register_user_columns(models.CitizenReport, "answered_by_id")
        # The audit chain is anchored into the platform log and verified by the kernel.
        register_chain(
            "grants",
            label=_("Grants and social aid audit history"),
            head=audit.stored_head,
            records=lambda after_seq: audit.stored_records(after_seq=after_seq),
            body=audit.body,
            table=AuditEvent._meta.db_table,
        )
