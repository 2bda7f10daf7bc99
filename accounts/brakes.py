"""Brakes on password guessing, for every way in: the login form and the API's HTTP Basic authentication.

- **Per account** (django-axes): failed logins are counted per username in the database, which every web process
  shares. At ``AXES_FAILURE_LIMIT`` (10) consecutive failures the account is locked (even the right password is
  refused) until an administrator unlocks it: the user admin's "Unlock" action, or
  ``manage.py axes_reset_username NAME``. A successful login resets the count.
- **Per address** (django-ratelimit, counted in the shared cache: Redis in production, the database on the
  embedded default): at most ``LOGIN_IP_FAILURES`` failed logins per ``LOGIN_IP_WINDOW`` from one address, whatever
  the usernames; past that every login from the address waits until the window ends (an office behind one NAT
  address is slowed for minutes, not locked out for good).

Only failures count: an integration calling the API with correct Basic credentials is never braked. The client
address is REMOTE_ADDR, or, behind ``TRUSTED_PROXY_COUNT`` reverse proxies, the address the outermost trusted
proxy saw (X-Forwarded-For read from the right), so that it cannot be forged by the client."""

from __future__ import annotations

import logging

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)
GROUP = "accounts.login-failures"
LOCKED_MESSAGE = _(
    "This account is locked after repeated wrong passwords. Ask an administrator to unlock it."
)
ADDRESS_MESSAGE = _("Too many failed logins from your address. Wait a few minutes and try again.")


def client_ip(request: HttpRequest) -> str:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _address_usage(request: HttpRequest, *, increment: bool) -> dict | None:
    """The address's failures in the current window; None when the cache does not answer (a Redis outage must
    not stop everyone from logging in: the per-account lock, in the database, still holds)."""
    try:
        return get_usage(
            request,
            group=GROUP,
            key=lambda _group, req: client_ip(req),
            rate=f"{settings.LOGIN_IP_FAILURES}/{settings.LOGIN_IP_WINDOW}",
            increment=increment,
        )
    except Exception:  # the cache server is down or refuses: logged, the address brake skipped
        logger.warning(
            "login brake: the cache did not answer; the per-address brake is skipped", exc_info=True
        )
        return None


def address_blocked(request: HttpRequest) -> bool:
    """True when this address already failed LOGIN_IP_FAILURES times in the current window."""
    usage = _address_usage(request, increment=False)
    return bool(usage) and usage["limit"] > 0 and usage["count"] >= usage["limit"]


def note_failure(request: HttpRequest) -> None:
    """A failed login from this address (the per-account count is axes' own, through Django's signal)."""
    _address_usage(request, increment=True)


def account_locked(request: HttpRequest, username: str) -> bool:
    return bool(username) and AxesProxyHandler.is_locked(request, {"username": username})


def unlock(username: str) -> int:
    """Unlock an account: forget its failed attempts. Returns how many records were removed."""
    return reset(username=username)


def lockout_response(request, original_response, credentials=None):
    """axes' middleware hook: the page that refused the login already says why (in the user's language)."""
    return original_response


class LockoutBackend(AxesStandaloneBackend):
    """axes' lock check, for every authentication that comes with a request (the login form, the API). A call
    without a request (a test client's ``login()``, a management command) has no address to brake and is not
    a way in from outside: it is passed on to the next backend instead of being refused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
