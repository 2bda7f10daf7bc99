"""Sessions end after a period of inactivity (settings.SESSION_COOKIE_AGE, from SESSION_IDLE_MINUTES): every
request of a logged-in user moves the end forward, written at most once a minute (not a session write per
request, which on the embedded SQLite would serialise every page)."""

import time

REFRESH_SECONDS = 60
KEY = "_activity"


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated and session.session_key:
            now = int(time.time())
            if now - session.get(KEY, 0) >= REFRESH_SECONDS:
                session[KEY] = (
                    now  # modified: SessionMiddleware saves it with a new expiry, and renews the cookie
                )
        return response


def mark_login_activity(sender, request, user, **kwargs) -> None:
    """Logging in is activity: the session written by the login already carries it (no second write at once)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[KEY] = int(time.time())
