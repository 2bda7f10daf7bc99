from django.db import migrations

from reports import tally_sql


def install(apps, schema_editor):
    """The trigger functions again, their queueing statements planned at each call (EXECUTE) instead of once per
    session for the first statement's row count (PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in tally_sql.trigger_statements():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_tallies")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
