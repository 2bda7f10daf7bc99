"""One unique index where there were three (the two partial ones keeping one running clock per feedback and kind,
or per measure, and the (feedback, kind) index for the lookups by feedback): a running clock's key is (feedback,
kind, measure or 0, 0), a finished clock's ends with its id, so only running clocks can collide. A clock row now
carries one index entry fewer for its feedback; a moved deadline rewrites 5 entries, not 6."""

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0006_due_report_finished_only"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="slaclock",
            constraint=models.UniqueConstraint(
                models.F("feedback"),
                models.F("kind"),
                django.db.models.functions.comparison.Coalesce(
                    models.F("measure"), models.Value(0), output_field=models.BigIntegerField()
                ),
                models.Case(
                    models.When(outcome="running", then=models.Value(0)),
                    default=models.F("id"),
                    output_field=models.BigIntegerField(),
                ),
                name="sla_one_running_clock",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="slaclock",
            name="sla_one_running_clock_per_kind",
        ),
        migrations.RemoveConstraint(
            model_name="slaclock",
            name="sla_one_running_clock_per_measure",
        ),
        migrations.RemoveIndex(
            model_name="slaclock",
            name="sla_clock_feedback_kind",
        ),
    ]
