# Hosted apps keep their roles in their own tables in the tenant schema
# (tenants/hosted.py); grants.0008 copies Sabilulungan's roles there from this
# column, schema by schema. The column leaves the model now but stays in the
# database, with a default, until every tenant schema has run grants.0008
# (issue #15); a later migration drops it.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0010_tenant_seat_region_and_one_tenant_per_region"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="membership", name="grant_roles"),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE tenants_membership ALTER COLUMN grant_roles SET DEFAULT '{}'",
                    "ALTER TABLE tenants_membership ALTER COLUMN grant_roles DROP DEFAULT",
                ),
            ],
        ),
    ]
