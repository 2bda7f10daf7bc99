"""Settings shared by every environment. Everything that differs between machines comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "axes",
    "csp",
    "core",
    "accounts",
    "catalog",
    "workcalendar",
    "sla",
    "feedback",
    "corrective_actions",
    "quality_loop",
    "notifications",
    "intake",
    "reports",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.errors.NotFoundPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_count",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------------------
# The embedded default is a SQLite file next to the code; production and CI set DATABASE_URL to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share the file: wait for locks instead of failing, take the write
    # lock at the start of a transaction (no deadlock on upgrade), and let readers run beside the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # A persistent connection is checked before it is reused: after a database restart the web processes and the
    # worker reconnect by themselves instead of failing on a dead connection (issue 11).
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # PostgreSQL's JIT off (issue 10): our pages run short queries whose cost estimate can pass jit_above_cost
    # (a GROUP BY over joined tables, even with nothing in them), and then compiling the query takes longer than
    # running it. bench_daily_pages, 100,000 feedbacks: the CAPA list with no CAPA form 77.7 ms with JIT on,
    # 19.6 ms off (the clean clone: 2,188 ms vs 42 ms); with 32,000 forms 550 vs 563 ms (no gain from JIT).
    # PG_JIT=on gives the server's setting back (e.g. for long analytical reads).
    if env.str("PG_JIT", default="off").lower() in ("off", "false", "0"):
        _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
        _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()
# A read replica for the reports (issue 11): config.db_router sends the reads made inside
# `with read_replica():` there; everything else (and every write) goes to the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    if "options" in DATABASES["default"].get("OPTIONS", {}):
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
            "options", DATABASES["default"]["OPTIONS"]["options"]
        )
DATABASE_ROUTERS = ["config.db_router.ReadReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- shared cache (issue 11) --------------------------------------------------------------------------------
# Every counter that must hold across processes (the login and API brakes) lives in one cache that all web
# processes share: CACHE_URL when given (production: Redis, redis://host:6379/1), else a database table (made by
# `manage.py createcachetable`; `make run` and the tests make it), which needs no server. Never a per-process
# memory cache: with three gunicorn workers each would count a third of the guesses.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://django_cache")}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# --- password brakes (issue 11): accounts/brakes.py ------------------------------------------------------------
AUTHENTICATION_BACKENDS = ["accounts.brakes.LockoutBackend", "accounts.backends.ModelBackend"]
# Per account: this many failed logins in a row lock it until an administrator unlocks it (django-axes, counted
# in the database). Per address: at most LOGIN_IP_FAILURES failures per LOGIN_IP_WINDOW (s, m, h) from one address.
AXES_FAILURE_LIMIT = env.int("LOGIN_LOCK_FAILURES", default=10)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = None
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.brakes.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.brakes.client_ip"
AXES_VERBOSE = False
LOGIN_IP_FAILURES = env.int("LOGIN_IP_FAILURES", default=30)
LOGIN_IP_WINDOW = env("LOGIN_IP_WINDOW", default="10m")
# Reverse proxies in front of the web server that add X-Forwarded-For (0: clients connect directly).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# axes warns that it does not brake per address: accounts.brakes does, with a window instead of a lock.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.LettersAndDigitsValidator"},
]

# --- sessions (issue 11) ----------------------------------------------------------------------------------------
# A session ends after this many minutes without a request (accounts.middleware.IdleTimeoutMiddleware moves the
# end forward while the user is active).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=120) * 60
SESSION_COOKIE_HTTPONLY = True

# --- language and time ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and uploaded files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Front-end libraries come from npm (package.json + package-lock.json) at set-up and are served from
# node_modules under a fixed prefix: nothing is copied into the repository and nothing loads from a CDN.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: attachments go through a permission-checked view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Attachments: largest file accepted, in megabytes.
ATTACHMENT_MAX_MB = env.int("ATTACHMENT_MAX_MB", default=50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- e-mail ---------------------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# for EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (the fault runs: chaos/)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=None)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="售后反馈跟踪 <noreply@localhost>")
# Where links in e-mails point to.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- Celery ---------------------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_TIMEZONE = TIME_ZONE
# A save must never hang because the broker is down: publishing fails fast, the periodic sweep catches up.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {"task": "sla.tasks.sweep_clocks", "schedule": env.int("SLA_SWEEP_SECONDS", default=60)},
    "notifications-flush": {
        "task": "notifications.tasks.flush_email_outbox",
        "schedule": env.int("EMAIL_FLUSH_SECONDS", default=60),
    },
    "attachment-stash-purge": {"task": "feedback.tasks.purge_stash", "schedule": crontab(hour=3, minute=30)},
    "calendar-next-year-check": {
        "task": "notifications.tasks.check_next_year",
        "schedule": crontab(hour=8, minute=0),
    },
    # Channels in and out (issue 8): group-chat robots' outbox, the official mailbox (only when configured),
    # old API rate-limit windows and idempotency keys.
    "robots-flush": {
        "task": "notifications.tasks.flush_robot_outbox",
        "schedule": env.int("ROBOT_FLUSH_SECONDS", default=60),
    },
    "intake-purge": {"task": "intake.tasks.purge", "schedule": crontab(hour=3, minute=45)},
    "intake-resume-imports": {"task": "intake.tasks.resume_imports", "schedule": 300},
    # The monthly analysis report (issue 7): last month's, on the 1st at 01:00 (CELERY_TIMEZONE, Asia/Shanghai);
    # and builds whose task was lost or whose worker died.
    "reports-monthly": {
        "task": "reports.tasks.build_monthly_report",
        "schedule": crontab(minute=0, hour=1, day_of_month=1),
    },
    "reports-resume": {"task": "reports.tasks.resume_reports", "schedule": 300},
    "reports-compact-tallies": {
        "task": "reports.tasks.compact_tallies",
        "schedule": 300,
    },  # reports/tallies.py
    # beat and a worker show they are alive: /healthz (ops)
    "ops-heartbeat": {
        "task": "ops.tasks.heartbeat",
        "schedule": env.int("OPS_HEARTBEAT_SECONDS", default=30),
    },
}

# --- queues and health (issue 11) -----------------------------------------------------------------------------
# One queue by default (one worker takes everything: `make run`, the tests). To give the notices (SLA sweep,
# e-mail) a worker of their own beside the reports (Excel workbooks), name their queues: the tasks are routed
# there and each worker is started with `-Q <its queue>` (docs/operations.md, docker-compose.yml).
CELERY_NOTICES_QUEUE = env("CELERY_NOTICES_QUEUE", default="")
CELERY_REPORTS_QUEUE = env("CELERY_REPORTS_QUEUE", default="")
REPORTS_TALLIES = env.bool(
    "REPORTS_TALLIES", default=True
)  # False: the figures count the records (tallies.py)
CELERY_TASK_ROUTES = {
    **(
        {pattern: {"queue": CELERY_NOTICES_QUEUE} for pattern in ("sla.tasks.*", "notifications.tasks.*")}
        if CELERY_NOTICES_QUEUE
        else {}
    ),
    **({"reports.tasks.*": {"queue": CELERY_REPORTS_QUEUE}} if CELERY_REPORTS_QUEUE else {}),
}
# /healthz: a heartbeat older than this is a stopped worker (or beat)
HEALTH_MAX_AGE_SECONDS = env.int("HEALTH_MAX_AGE_SECONDS", default=180)

# --- REST API -------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Basic first: a request without (or with wrong) credentials answers 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.BrakedBasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "NON_FIELD_ERRORS_KEY": "detail",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "售后反馈跟踪 API",
    "DESCRIPTION": "After-sales feedback tracking",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema and its documentation page are for logged-in users and API clients, not for anyone (issue 11).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # People's API clients authenticate with HTTP Basic, integrations (issue 8) with their Bearer token; the
    # session cookie only lets the logged-in documentation page try the API out, so the schema publishes these two.
    "AUTHENTICATION_WHITELIST": [
        "accounts.api_auth.BrakedBasicAuthentication",
        "intake.api_auth.IntegrationTokenAuthentication",
    ],
    # A PATCH body is the input serializer as it is (the version is required), not one with every field optional.
    "COMPONENT_SPLIT_PATCH": False,
    # Report runs (issue 7) have a "status" and a "kind" of their own: the feedback keeps "StatusEnum".
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "feedback.models.Status",
        "ReportRunStatusEnum": "reports.models.ReportRun.Status",
        "ReportRunKindEnum": "reports.models.ReportRun.Kind",
    },
}

# --- Content-Security-Policy (issue 11) --------------------------------------------------------------------------
# No inline script anywhere (page code lives in static/js/, data reaches it through json_script or data-*), no
# inline style but one: the admin's history page of django-simple-history carries style="border-top: 0", allowed by
# its hash. Images may be data: URIs (Bootstrap draws its form controls with them). The API documentation page
# (Swagger UI) adds what it needs in config/urls.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-hashes'", "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- audit trail (issue 11) ---------------------------------------------------------------------------------
# History is read in the admin, never reverted: records change through the services (core.admin).
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- the domain -----------------------------------------------------------------------------------------------
# E-mail notices produced outside working time wait for this time on the next working day (level Ⅲ excepted).
NOTIFY_WORKDAY_START = env("NOTIFY_WORKDAY_START", default="08:30")
NOTIFY_WORKDAY_END = env("NOTIFY_WORKDAY_END", default="18:00")
# Records (and their files) are kept at least this many years after closing: no hard delete before that.
RETENTION_YEARS = 3

# --- channels in and out (issue 8): integration API, Excel import, official mailbox, group-chat robots ----------
# Integration API: requests per minute per integration (an integration may set its own), and how long an
# Idempotency-Key is remembered.
INTAKE_API_RATE_PER_MINUTE = env.int("INTAKE_API_RATE_PER_MINUTE", default=120)
INTAKE_IDEMPOTENCY_HOURS = env.int("INTAKE_IDEMPOTENCY_HOURS", default=48)
# Dealer/store Excel import: the largest workbook and the most rows one upload may hold.
INTAKE_IMPORT_MAX_MB = env.int("INTAKE_IMPORT_MAX_MB", default=20)
INTAKE_IMPORT_MAX_ROWS = env.int("INTAKE_IMPORT_MAX_ROWS", default=20_000)
# Earlier feedback counts as similar (and an imported row as a likely duplicate) within this many days.
SIMILAR_FEEDBACK_DAYS = env.int("SIMILAR_FEEDBACK_DAYS", default=90)
# The official mailbox (官方邮箱), polled over IMAP by beat; off while INTAKE_IMAP_HOST is empty.
INTAKE_IMAP_HOST = env("INTAKE_IMAP_HOST", default="")
INTAKE_IMAP_PORT = env.int("INTAKE_IMAP_PORT", default=993)
INTAKE_IMAP_SSL = env.bool("INTAKE_IMAP_SSL", default=True)
INTAKE_IMAP_STARTTLS = env.bool("INTAKE_IMAP_STARTTLS", default=False)
INTAKE_IMAP_USER = env("INTAKE_IMAP_USER", default="")
INTAKE_IMAP_PASSWORD = env("INTAKE_IMAP_PASSWORD", default="")
INTAKE_IMAP_FOLDER = env("INTAKE_IMAP_FOLDER", default="INBOX")
INTAKE_IMAP_POLL_SECONDS = env.int("INTAKE_IMAP_POLL_SECONDS", default=120)
INTAKE_IMAP_TIMEOUT_SECONDS = env.int("INTAKE_IMAP_TIMEOUT_SECONDS", default=30)
# Group-chat robots: the wait for a robot's answer, and the retries (delay doubling from the base).
ROBOT_TIMEOUT_SECONDS = env.float("ROBOT_TIMEOUT_SECONDS", default=5)
ROBOT_RETRY_BASE_SECONDS = env.int("ROBOT_RETRY_BASE_SECONDS", default=30)
ROBOT_MAX_ATTEMPTS = env.int("ROBOT_MAX_ATTEMPTS", default=8)
if INTAKE_IMAP_HOST:
    CELERY_BEAT_SCHEDULE["intake-mailbox-poll"] = {
        "task": "intake.tasks.poll_mailbox",
        "schedule": INTAKE_IMAP_POLL_SECONDS,
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

ADMIN_SITE_HEADER = _("After-sales feedback tracking")
