from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    """Sabilulungan: grants and social aid, in each adopting tenant's own schema."""

    name = "grants"
    verbose_name = _("Sabilulungan (grants and social aid)")

    def ready(self):
        from tenants import hosted
        from tenants.archive.registry import (
            register_after_import,
            register_user_columns,
        )
        from tenants.chains import register_chain

        from . import audit, hosting, models, roles, totals, urls_open_data
        from . import urls as grants_urls
        from .models import AuditEvent

        # The whole declaration of Sabilulungan to the kernel (tenants/hosted.py):
        # its pages, roles, dashboard, set-up steps, demo data and export.
        hosted.register(
            hosted.HostedApp(
                key="grants",
                label=_("Sabilulungan (grants and social aid)"),
                menu_label=_("Sabilulungan"),
                urls=(("grants/", "grants.urls"), ("open-data/", "grants.urls_open_data")),
                menu_path="/grants/staff/",
                public_path="/grants/",
                public_routes=grants_urls.PUBLIC_ROUTES | urls_open_data.PUBLIC_ROUTES,
                roles=hosted.HostedRoles(
                    label=_("Sabilulungan roles"),
                    choices=roles.choices,
                    held=roles.roles_held,
                    store=roles.roles_store,
                    # Who approves or disburses money signs in with a second factor.
                    power=roles.MONEY_ROLES,
                ),
                tiles=hosting.tiles,
                todos=hosting.todos,
                setup_steps=hosting.setup_steps,
                seed_demo=hosting.seed_demo,
                export=hosting.export,
                extra={
                    "demo_accounts": "one person per role, tu@ (Tata Usaha), kepala@ "
                    "(approval), timpertimbangan@, opd@, tapd@, bendahara@ (treasurer) "
                    "at SLUG.bagipakai.test for Bandung and Tangerang; admin@ is the "
                    "program manager; applicants pemohon1..12@SLUG.warga.test, "
                    "warga1..4@SLUG.warga.test"
                },
            )
        )
        # Users named by id in the tenant's schema, matched by e-mail on import
        # of the tenant's archive (tenants/archive/).
        register_user_columns(models.Applicant, "user_id")
        register_user_columns(models.AuditEvent, "actor_id")
        register_user_columns(models.RecipientAmendment, "requested_by_id", "decided_by_id")
        register_user_columns(models.ProposalDocument, "uploaded_by_id")
        register_user_columns(models.StageReview, "reviewer_id")
        register_user_columns(models.CitizenReport, "answered_by_id")
        register_user_columns(models.MemberRole, "user_id")
        # Totals kept by triggers are recounted once the rows are back.
        register_after_import(totals.rebuild_after_import)
        # The audit chain is anchored into the platform log and verified by the kernel.
        register_chain(
            "grants",
            label=_("Grants and social aid audit history"),
            head=audit.stored_head,
            records=lambda after_seq: audit.stored_records(after_seq=after_seq),
            body=audit.body,
            table=AuditEvent._meta.db_table,
            # The same check recomputed inside PostgreSQL (issue 16).
            verify=lambda **kwargs: audit.verify_stored(check_private=False, **kwargs),
        )
