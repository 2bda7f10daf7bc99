"""Scaling out: a read replica for the reports. DATABASE_REPLICA_URL adds the alias ``replica``; the router sends
the reads made inside ``read_replica()`` there, every write and every other read to the primary, and never
migrates the replica."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.db_router import ReadReplicaRouter, read_replica
from feedback.models import Feedback

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")  # the router only reads the aliases
def test_reads_inside_the_block_go_to_the_replica_writes_never(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}
    router = ReadReplicaRouter()

    assert router.db_for_read(Feedback) is None
    with read_replica():
        assert router.db_for_read(Feedback) == "replica"
        assert router.db_for_write(Feedback) == "default"
        with read_replica():
            pass
        assert router.db_for_read(Feedback) == "replica"  # a nested block ends without ending the outer one
    assert router.db_for_read(Feedback) is None
    assert router.allow_migrate("replica", "feedback") is False
    assert router.allow_migrate("default", "feedback") is True


def test_without_a_replica_the_block_changes_nothing(settings):
    assert "replica" not in settings.DATABASES
    with read_replica():
        assert ReadReplicaRouter().db_for_read(Feedback) is None


def test_database_replica_url_configures_the_alias_with_health_checks():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://app:pw@primary:5432/aftersales",
        "DATABASE_REPLICA_URL": "postgres://reader:pw@replica:5432/aftersales",
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps({a: [d['HOST'], d.get('CONN_HEALTH_CHECKS')] for a, d in settings.DATABASES.items()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"default": ["primary", True], "replica": ["replica", True]}
