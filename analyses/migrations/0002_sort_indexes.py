"""Sort indexes for the analyses lists: (batch, user, <column> DESC NULLS LAST, id DESC).

Kept out of the model state on purpose: PostgreSQL needs NULLS LAST in the index definition to
serve `ORDER BY <column> DESC NULLS LAST`, and SQLite cannot declare it (there NULLs already
sort last in descending order, so the plain descending index serves the same query).
"""

from django.db import migrations

COLUMNS = ["roi_percent", "profit", "velocity_score", "balanced_score", "expected_sale_price"]


def create(apps, schema_editor):
    nulls = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "analysis_batch_{column}_idx" ON "analyses_analysis" '
            f'("batch_id", "user_id", "{column}" DESC{nulls}, "id" DESC)'
        )


def drop(apps, schema_editor):
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "analysis_batch_{column}_idx"')


class Migration(migrations.Migration):
    dependencies = [("analyses", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
