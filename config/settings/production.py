"""Production: no default secret, DEBUG off unless asked for, PostgreSQL and Redis from the environment."""

from .base import *  # noqa: F403
from .base import env

# Served behind a reverse proxy that terminates HTTPS and says so in X-Forwarded-Proto (docs/operations.md).
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# the load balancer's and the container's health probe talks plain HTTP to the server itself
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool(
    "SECURE_HSTS_PRELOAD", default=True
)  # the header only; a list is joined by hand
SECURE_CONTENT_TYPE_NOSNIFF = True
# Reverse proxies in front (one: the TLS terminator) add X-Forwarded-For: the login brakes read the client there.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
# Counters shared by every web process (the login brakes): Redis, a database of its own beside the broker's.
CACHES = {"default": env.cache_url("CACHE_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/1")}  # noqa: F405
# Hashed names (cached for a year by browsers), compressed ahead of time (gzip and brotli: minutes at build
# time, the Dockerfile's collectstatic). STATIC_COMPRESS=false keeps the hashed names without compressing.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_COMPRESS", default=True)
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}
