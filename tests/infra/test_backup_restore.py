"""Production: a backup (scripts/backup.sh: pg_dump, custom format) restores (scripts/restore.sh) into a new,
empty database with every record: here on a scratch database of our own on the test server, created and dropped
by the test, never one that holds anybody's data."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.factories import FeedbackFactory
from tests.fixtures.services import _database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
        or not shutil.which("pg_dump"),
        reason="PostgreSQL and its pg_dump are needed (REQUIRE_SERVICES=1 in CI)",
    ),
]


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def test_a_nightly_backup_restores_into_an_empty_database_with_every_record(tmp_path):
    feedbacks = [FeedbackFactory(customer_name=f"备份客户{i}") for i in range(3)]
    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "photo").write_bytes(b"\x89PNG photo")
    source = _database_url(connection.settings_dict)
    env = {
        **os.environ,
        "DATABASE_URL": source,
        "BACKUP_DIR": str(tmp_path / "backups"),
        "MEDIA_ROOT": str(media),
    }

    backup = subprocess.run(
        ["sh", "scripts/backup.sh"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert backup.returncode == 0, backup.stderr
    dumps = list((tmp_path / "backups").glob("aftersales-*.dump"))
    archives = list((tmp_path / "backups").glob("media-*.tar.gz"))
    assert len(dumps) == 1 and len(archives) == 1

    scratch = f"aftersales_restore_check_{uuid.uuid4().hex[:8]}"
    admin_url = _with_database(source, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        restored_media = tmp_path / "restored-media"
        restore = subprocess.run(
            [
                "sh",
                "scripts/restore.sh",
                str(dumps[0]),
                _with_database(source, scratch),
                str(archives[0]),
                str(restored_media),
            ],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restore.returncode == 0, restore.stderr
        with psycopg.connect(_with_database(source, scratch)) as restored:
            numbers = {row[0] for row in restored.execute("SELECT number FROM feedback_feedback")}
            migrations = restored.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
        assert numbers == {f.number for f in feedbacks}
        assert migrations > 20
        assert (restored_media / "attachments" / "photo").read_bytes() == b"\x89PNG photo"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
