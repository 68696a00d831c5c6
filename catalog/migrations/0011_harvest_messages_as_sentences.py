# The message of a repository check is kept as a sentence (core/i18n.py:
# msgid and parameters), shown in the reader's language. Checks recorded
# before keep their text, as a JSON string, which is shown as it is.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0010_name_words'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    """
                    ALTER TABLE catalog_harvestrun ALTER COLUMN message TYPE jsonb
                    USING CASE WHEN message = '' THEN '{}'::jsonb
                               ELSE to_jsonb(message) END
                    """,
                    """
                    ALTER TABLE catalog_harvestrun ALTER COLUMN message TYPE text
                    USING CASE WHEN jsonb_typeof(message) = 'string'
                               THEN message #>> '{}'
                               ELSE coalesce(message ->> 'msgid', '') END
                    """,
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='harvestrun',
                    name='message',
                    field=models.JSONField(blank=True, default=dict),
                ),
            ],
        ),
    ]
