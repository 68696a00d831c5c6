from django.db import migrations


def create_rows(apps, schema_editor):
    """Tenants provisioned before billing existed get their (free plan) row."""
    Tenant = apps.get_model("tenants", "Tenant")
    Subscription = apps.get_model("billing", "Subscription")
    have = set(Subscription.objects.values_list("tenant_id", flat=True))
    Subscription.objects.bulk_create(
        Subscription(tenant_id=pk)
        for pk in Tenant.objects.exclude(kind="platform").values_list("pk", flat=True)
        if pk not in have
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(create_rows, migrations.RunPython.noop)]
