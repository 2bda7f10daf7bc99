"""The test suite. PostgreSQL and Redis at their default local addresses when they answer, otherwise SQLite and an
in-process broker; REQUIRE_SERVICES=1 (CI) makes a missing service an error instead. The pytest header says which
(tests/fixtures/services.py prints SERVICES).

TEST_DATABASE_URL / TEST_REDIS_URL choose other addresses (every developer uses their own database and Redis db);
they are checked the same way: when one does not answer, the suite falls back (and says so) unless
REQUIRE_SERVICES=1, which fails at once with the address that did not answer."""

import os
import socket
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/aftersales"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def _address(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def _postgres_answers(url: str) -> bool:
    """A TCP connection to the server is enough: trust auth is the norm here, and a wrong password fails loudly."""
    try:
        with socket.create_connection(_address(url, 5432), timeout=1):
            return True
    except OSError:
        return False


def _redis_answers(url: str) -> bool:
    """Redis answers a PING within a second (an auth error still means a server is there)."""
    try:
        with socket.create_connection(_address(url, 6379), timeout=1) as sock:
            sock.settimeout(1)
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            reply = sock.recv(64)
    except OSError:
        return False
    return reply.startswith((b"+PONG", b"-NOAUTH", b"-WRONGPASS"))


def redacted(url: str) -> str:
    """``url`` without its password, for printing."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "").lower() not in ("", "0", "false", "no")
PG_URL = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS_URL
PG_UP = _postgres_answers(PG_URL)
REDIS_UP = _redis_answers(REDIS_TEST_URL)
if REQUIRE_SERVICES and not (PG_UP and REDIS_UP):
    missing = [
        f"{name} at {redacted(url)}"
        for name, url, up in (("PostgreSQL", PG_URL, PG_UP), ("Redis", REDIS_TEST_URL, REDIS_UP))
        if not up
    ]
    raise ImproperlyConfigured(
        f"REQUIRE_SERVICES=1 but not reachable: {'; '.join(missing)}. "
        "Start the service(s) or unset REQUIRE_SERVICES to fall back to SQLite and an in-process broker."
    )

SQLITE_TEST_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__))), ".test-db.sqlite3"
)

os.environ["SECRET_KEY"] = "test-only-secret"
os.environ["DEBUG"] = "false"
os.environ["DATABASE_URL"] = PG_URL if PG_UP else "sqlite:///" + SQLITE_TEST_FILE
os.environ["CELERY_BROKER_URL"] = REDIS_TEST_URL if REDIS_UP else "memory://"

from .base import *  # noqa: E402,F403
from .base import BASE_DIR, DATABASES  # noqa: E402

# What the suite runs on, printed in the pytest header (tests/fixtures/services.py).
SERVICES = {
    "database": "postgresql" if PG_UP else "sqlite",
    "database_url": redacted(PG_URL) if PG_UP else "sqlite:///" + SQLITE_TEST_FILE,
    "database_note": "" if PG_UP else f"PostgreSQL at {redacted(PG_URL)} not reachable",
    "broker": "redis" if REDIS_UP else "in-process",
    "broker_url": redacted(REDIS_TEST_URL) if REDIS_UP else "memory://; a real worker uses filesystem://",
    "broker_note": "" if REDIS_UP else f"Redis at {redacted(REDIS_TEST_URL)} not reachable",
    "required": REQUIRE_SERVICES,
}
# The Redis URL the real-worker fixture uses (None: no Redis, it uses a filesystem:// broker in a tmp dir).
TEST_REDIS_URL = REDIS_TEST_URL if REDIS_UP else None

if not PG_UP:
    DATABASES["default"]["TEST"] = {"NAME": SQLITE_TEST_FILE}
# In-process tests count in a per-process memory cache (cleared before each test: tests/conftest.py). The servers
# a test starts in subprocesses (gunicorn, Celery: config.settings.worker_test) share the database cache, whose
# table the test database gets from this second alias (Django's test set-up runs createcachetable).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No collectstatic in tests (live_server serves static files itself): look up files per request instead of
# warning "No directory at: staticfiles/" on every handler start.
WHITENOISE_AUTOREFRESH = True
# Tasks run through the broker only in the tests that start a real worker (the `celery_worker` fixture);
# elsewhere they run in-process.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE = {}
