"""`make test`'s first step: say which database and broker the suite will use (config.settings.test decides), and
stop with one clear line when REQUIRE_SERVICES=1 and PostgreSQL or Redis does not answer."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"


def main() -> int:
    from django.core.exceptions import ImproperlyConfigured

    try:
        from config.settings import test
    except ImproperlyConfigured as exc:
        print(f"make test: ERROR: {exc}", file=sys.stderr)
        return 1
    services = test.SERVICES
    database = f"{services['database']} ({services['database_url']})"
    broker = f"{services['broker']} ({services['broker_url']})"
    notes = [n for n in (services["database_note"], services["broker_note"]) if n]
    print(f"make test: database {database}, broker {broker}" + (f"; {'; '.join(notes)}" if notes else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
