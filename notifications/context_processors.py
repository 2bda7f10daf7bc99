from functools import cache

from .selectors import unread_count_for


def unread_count(request) -> dict:
    """The bell's unread count: one count on a partial index, run only if a template shows it (templates call a
    callable when they read it; ``cache`` makes a second read free)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": cache(lambda: unread_count_for(user))}
