"""The test suite. PostgreSQL and Redis at their default local addresses when they answer, otherwise SQLite and an
in-process broker; REQUIRE_SERVICES=1 (CI) makes a missing service an error instead. tests/conftest.py says which."""

import os
import socket

from django.core.exceptions import ImproperlyConfigured


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in ("", "0", "false")
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PG_UP = _reachable("127.0.0.1", 5432) if "TEST_DATABASE_URL" not in os.environ else True
REDIS_UP = _reachable("127.0.0.1", 6379) if "TEST_REDIS_URL" not in os.environ else True
if REQUIRE_SERVICES and not (PG_UP and REDIS_UP):
    missing = [name for name, up in (("PostgreSQL 127.0.0.1:5432", PG_UP), ("Redis 127.0.0.1:6379", REDIS_UP)) if not up]
    raise ImproperlyConfigured(f"REQUIRE_SERVICES=1 but not reachable: {', '.join(missing)}")

os.environ["SECRET_KEY"] = "test-only-secret"
os.environ["DEBUG"] = "false"
os.environ["DATABASE_URL"] = PG_URL if PG_UP else "sqlite:///" + os.path.join(os.getcwd(), ".test-db.sqlite3")
os.environ["CELERY_BROKER_URL"] = REDIS_TEST_URL if REDIS_UP else "memory://"

from .base import *  # noqa: E402,F403
from .base import BASE_DIR, DATABASES  # noqa: E402

SERVICES = {"database": "postgresql" if PG_UP else "sqlite", "broker": "redis" if REDIS_UP else "in-process"}
if not PG_UP:
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run through the broker only in the tests that start a real worker; elsewhere they run in-process.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE = {}
