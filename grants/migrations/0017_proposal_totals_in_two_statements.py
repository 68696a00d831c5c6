"""The totals trigger function sums the changed rows before touching the totals
table (grants/totals.py): on Citus the one-statement form could not see the
statement's transition tables."""

from django.db import migrations

from grants import totals


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0016_public_search_index"),
    ]

    operations = [
        migrations.RunSQL(
            [totals.LOCK_SQL, totals.CREATE_FUNCTION_SQL],
            migrations.RunSQL.noop,
        ),
    ]
