"""A real Celery worker started by the test suite (tests/fixtures/services.py, fixture `celery_worker`).

Everything of config.settings.test, except that tasks really go through the broker, and the database and broker
are the ones the fixture exports: DATABASE_URL (the *test* database of the pytest process: ``test_<name>`` on
PostgreSQL, the SQLite test file otherwise), CELERY_BROKER_URL and CELERY_BROKER_TRANSPORT_OPTIONS (JSON), and CELERY_TASK_DEFAULT_QUEUE (a queue of its own, so that parallel test
processes sharing one Redis db never take each other's tasks; tasks the worker enqueues itself land there too)."""

import json
import os

from django.core.exceptions import ImproperlyConfigured

try:
    _DATABASE_URL = os.environ["DATABASE_URL"]
    _BROKER_URL = os.environ["CELERY_BROKER_URL"]
except KeyError as missing:  # pragma: no cover - only a misuse of this module
    raise ImproperlyConfigured(f"config.settings.worker_test needs {missing} from the test fixture") from None
_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE") or "celery"
_TRANSPORT_OPTIONS = json.loads(os.environ.get("CELERY_BROKER_TRANSPORT_OPTIONS") or "{}")

from .test import *  # noqa: E402,F403
from .test import env  # noqa: E402

DATABASES = {"default": env.db_url_config(_DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# config.settings.test set these two for the pytest process; Celery reads CELERY_BROKER_URL from the environment
# before its settings, so put the fixture's values back.
os.environ["DATABASE_URL"] = _DATABASE_URL
os.environ["CELERY_BROKER_URL"] = _BROKER_URL
CELERY_BROKER_URL = _BROKER_URL
CELERY_BROKER_TRANSPORT_OPTIONS = _TRANSPORT_OPTIONS
CELERY_TASK_DEFAULT_QUEUE = _DEFAULT_QUEUE
# Processes started by a test share one cache: the test database's cache table, or CACHE_URL when given.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://django_cache")}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
