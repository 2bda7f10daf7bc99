"""`make run`: the embedded default. SQLite, console e-mail, debug on; the broker is chosen by scripts/run.py
(Redis when it answers, else kombu's filesystem:// transport, whose folders come in CELERY_BROKER_TRANSPORT_OPTIONS,
a JSON object)."""

import json
import os

os.environ.setdefault("SECRET_KEY", "dev-only-not-secret-aftersales-feedback")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

from .base import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = json.loads(os.environ.get("CELERY_BROKER_TRANSPORT_OPTIONS") or "{}")
