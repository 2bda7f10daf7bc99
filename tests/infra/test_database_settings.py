"""PostgreSQL's JIT is off for our connections unless PG_JIT=on (issue 10: compiling the short queries of the
pages cost more than running them; the measurement is in config/settings/base.py and the README)."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


def options_with(**env) -> dict:
    """The default database's OPTIONS as config.settings.base computes them for the environment ``env``."""
    code = "import json; from config.settings import base; print(json.dumps(base.DATABASES['default'].get('OPTIONS', {})))"
    environment = {k: v for k, v in os.environ.items() if k != "PG_JIT"}
    environment.update(SECRET_KEY="x", **env)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_jit_is_off_by_default_and_pg_jit_on_gives_the_servers_setting_back():
    url = "postgres://postgres@127.0.0.1:5432/aftersales_none"
    assert options_with(DATABASE_URL=url)["options"] == "-c jit=off"
    assert "options" not in options_with(DATABASE_URL=url, PG_JIT="on")
    assert "options" not in options_with(DATABASE_URL="sqlite:///x.sqlite3")


@pytest.mark.django_db
def test_the_connection_runs_without_jit():
    if connection.vendor != "postgresql":  # SQLite has no JIT and takes no such option
        assert "options" not in settings.DATABASES["default"].get("OPTIONS", {})
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
