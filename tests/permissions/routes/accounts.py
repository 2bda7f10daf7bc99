"""accounts: the workspace home, logging in and out, changing one's password."""

from ..rules import logged_in, route

route("home", get=logged_in(200), post=logged_in(200))  # the workspace of each role (it ignores a POST)
# Logged in: sent home. Anonymous: the form; an empty one answers the form with its errors.
route(
    "login",
    get=lambda who, s: 200 if who == "anonymous" else 302,
    post=lambda who, s: 200 if who == "anonymous" else 302,
)
route("logout", get=405, post=302)  # logging out is a POST; then (or already logged out) to the login page
route("password_change", get=logged_in(200), post=logged_in(200))  # an empty POST: the form with its errors
route("password_change_done", get=logged_in(200), post=logged_in(405))
