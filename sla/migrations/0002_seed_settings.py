"""The deadline lengths of DOMAIN.md's table, as the administrator's starting point."""

from django.db import migrations

DEFAULTS = {
    "registration": {"length_working_days": 1},
    "verification": {"length_working_days": 2},
    "emergency": {"length_hours": 24, "warn_hours_before": 4},
    "capa_form": {"length_working_days": 3},
    "measure": {},
    "effect_verification": {"length_working_days": 5},
    "callback": {"length_working_days": 3},
}


def seed(apps, schema_editor):
    SlaSetting = apps.get_model("sla", "SlaSetting")
    for kind, values in DEFAULTS.items():
        SlaSetting.objects.get_or_create(kind=kind, defaults={"warn_percent": 50, **values})


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
