"""notifications: each person's own notices; somebody else's answer 404."""

from ..rules import logged_in, route

route("notifications:list", get=logged_in(200), post=logged_in(405))
route("notifications:bell", get=logged_in(200), post=logged_in(405))
route("notifications:read_all", get=logged_in(405), post=logged_in(302))
for name in ("open", "read"):
    route(
        f"notifications:{name}",
        get=logged_in(405),
        post=logged_in(lambda who, scenario: 302 if scenario == "own" else 404),
        obj="notification",
    )
