"""accounts: the workspace home, logging in and out, changing one's password."""

from accounts.roles import Role

from ..rules import logged_in, route


def _home(who: str, scenario: str) -> int:
    """The workspace of each role (it ignores a POST); management's home is 管理驾驶舱 (reports:dashboard)."""
    return 302 if who == Role.MANAGEMENT else 200


route("home", get=logged_in(_home), post=logged_in(_home))
# Logged in: sent home. Anonymous: the form; an empty one answers the form with its errors.
route(
    "login",
    get=lambda who, s: 200 if who == "anonymous" else 302,
    post=lambda who, s: 200 if who == "anonymous" else 302,
)
route("logout", get=405, post=302)  # logging out is a POST; then (or already logged out) to the login page
route("password_change", get=logged_in(200), post=logged_in(200))  # an empty POST: the form with its errors
route("password_change_done", get=logged_in(200), post=logged_in(405))
