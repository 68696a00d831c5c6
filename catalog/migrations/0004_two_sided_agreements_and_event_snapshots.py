"""Adoption events keep snapshots of who acted (issue 11) instead of foreign keys
to users and tenants, and become append-only."""

import django.db.models.deletion
from django.db import migrations, models

import core.db


def _user_name(user):
    return (user.full_name or user.email) if user else ""


def snapshot_events(apps, schema_editor):
    AdoptionEvent = apps.get_model("catalog", "AdoptionEvent")
    for event in AdoptionEvent.objects.select_related("actor", "actor_tenant"):
        AdoptionEvent.objects.filter(pk=event.pk).update(
            actor_name=_user_name(event.actor)[:200],
            actor_tenant_name=(event.actor_tenant.name if event.actor_tenant else "")[
                :200
            ],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_publiccode_document_and_contractors"),
        ("core", "0001_refuse_change_function"),
        ("tenants", "0007_tenant_mfa_required_and_mfa_reset_event"),
    ]

    operations = [
        # --- adoption events: snapshots instead of foreign keys, then append-only
        migrations.AddField(
            model_name="adoptionevent",
            name="actor_name",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="adoptionevent",
            name="actor_tenant_name",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(snapshot_events, migrations.RunPython.noop),
        # Run the foreign-key checks the rows above queued, so the table may be
        # altered in this transaction (PostgreSQL refuses with pending trigger events).
        migrations.RunSQL(
            "SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="adoptionevent",
            name="actor",
            field=models.BigIntegerField(blank=True, null=True, db_column="actor_id"),
        ),
        migrations.RenameField("adoptionevent", "actor", "actor_id"),
        migrations.AlterField(
            model_name="adoptionevent",
            name="actor_tenant",
            field=models.BigIntegerField(
                blank=True, null=True, db_column="actor_tenant_id"
            ),
        ),
        migrations.RenameField("adoptionevent", "actor_tenant", "actor_tenant_id"),
        migrations.AlterField(
            model_name="adoptionevent",
            name="adoption",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="catalog.adoption",
            ),
        ),
        migrations.AlterField(
            model_name="adoptionevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("request", "Requested"),
                    ("withdraw", "Withdrawn"),
                    ("approve", "Approved"),
                    ("reject", "Rejected"),
                    ("activate", "Activated"),
                    ("update", "Usage changed"),
                    ("agreement", "Agreement replaced"),
                    ("end", "Ended"),
                ],
                max_length=20,
            ),
        ),
        core.db.AppendOnly("AdoptionEvent"),
    ]
