"""Settings for `make bench`: the base settings on a dedicated PostgreSQL database (dropped and migrated by
bench/run.py), DEBUG off, e-mail kept in memory, and an in-memory broker nobody consumes, so that a bench times
what it calls and nothing else (a bench that wants a task's work calls the task's service directly)."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ["DEBUG"] = "false"
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_bench"
)
os.environ["CELERY_BROKER_URL"] = "memory://localhost//"

from config.settings.base import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_URL = "memory://localhost//"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE = {}
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "WARNING")  # noqa: F405
MEDIA_ROOT = BASE_DIR / "bench-results" / "media"  # noqa: F405
