"""Fast "contains" search on the list's text filters at 100k+ feedbacks: trigram GIN indexes (PostgreSQL only;
SQLite, the embedded default, scans, which is fine at its scale). Django filters ``icontains`` as
``UPPER(col::text) LIKE UPPER(%s)`` and ``contains`` as ``col::text LIKE %s``, so the indexes are on those
expressions."""

from django.db import migrations

INDEXES = {
    "feedback_customer_trgm": 'UPPER("customer_name"::text) gin_trgm_ops',
    "feedback_phone_trgm": '("contact_phone"::text) gin_trgm_ops',
    "feedback_number_trgm": '("number"::text) gin_trgm_ops',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "feedback_feedback" USING gin ({expression})')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_feedback_emergency_started_by_and_more")]

    operations = [migrations.RunPython(create, drop)]
