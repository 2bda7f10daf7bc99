"""`make run`: the embedded default. SQLite, console e-mail, debug on; the broker is chosen by scripts/run.py."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-not-secret-aftersales-feedback")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

from .base import *  # noqa: E402,F403
