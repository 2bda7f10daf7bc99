"""`make run`: the embedded default. SQLite, console e-mail; the broker is chosen by scripts/run.py (Redis when it
answers, else kombu's filesystem:// transport, whose folders come in CELERY_BROKER_TRANSPORT_OPTIONS, a JSON
object). DEBUG is off unless asked for (``DEBUG=true make run``): this is what a small factory runs, and a debug
page shows settings and code to whoever triggers an error."""

import json
import os

os.environ.setdefault("SECRET_KEY", "dev-only-not-secret-aftersales-feedback")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

from .base import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = json.loads(os.environ.get("CELERY_BROKER_TRANSPORT_OPTIONS") or "{}")

# gunicorn serves the static files through WhiteNoise straight from the finders (node_modules/, static/): nothing
# to collect first; with DEBUG on it also picks up files changed since the start.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG  # noqa: F405
