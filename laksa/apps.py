from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LaksaConfig(AppConfig):
    """Laksa (Layanan Aspirasi dan Kotak Saran Anda), Kota Tangerang's
    aspirations and complaints, in each adopting tenant's own schema."""

    name = "laksa"
    verbose_name = _("Laksa (aspirations and complaints)")

    def ready(self):
        from core.deadlines import escalation_register
        from tenants import hosted
        from tenants.archive.registry import register_user_columns
        from tenants.chains import register_chain

        from . import audit, hosting, models, roles, urls

        hosted.register(
            hosted.HostedApp(
                key="laksa",
                label=_("Laksa (aspirations and complaints)"),
                menu_label=_("Laksa"),
                urls=(("laksa/", "laksa.urls"),),
                menu_path="/laksa/staff/",
                public_path="/laksa/",
                public_routes=urls.PUBLIC_ROUTES,
                roles=hosted.HostedRoles(
                    label=_("Laksa roles"),
                    choices=roles.choices,
                    held=roles.roles_held,
                    store=roles.roles_store,
                ),
                tiles=hosting.tiles,
                todos=hosting.todos,
                setup_steps=hosting.setup_steps,
                seed_demo=hosting.seed_demo,
                export=hosting.export,
                extra={
                    "demo_accounts": "router@, supervisor@ and opd-pupr@ (Dinas PUPR) at "
                    "SLUG.bagipakai.test for Tangerang and the partners running Laksa"
                },
            )
        )
        register_user_columns(models.Item, "answered_by_id")
        register_user_columns(models.AuditEvent, "actor_id")
        register_user_columns(models.MemberRole, "user_id")
        register_chain(
            "laksa",
            label=_("Laksa audit history"),
            head=audit.stored_head,
            records=lambda after_seq: audit.stored_records(after_seq=after_seq),
            body=audit.body,
            table=models.AuditEvent._meta.db_table,
            verify=audit.verify_stored,
        )
        # Overdue items go to the supervisors, every hour, through the worker.
        escalation_register("laksa_escalate", func="laksa.services.items_escalate_all")
