"""workcalendar: the administrator's calendar pages; for everybody else they are not there (404)."""

from accounts.roles import Role

from ..rules import only, route

ADMIN = {Role.ADMINISTRATOR}
route("workcalendar:year", get=only(ADMIN, 200, 404), post=only(ADMIN, 400, 404))
route("workcalendar:year_of", get=only(ADMIN, 200, 404), post=only(ADMIN, 400, 404), obj="year")
route("workcalendar:day", get=only(ADMIN, 404, 404), post=only(ADMIN, 405, 404))  # needs ?date=
route(
    "workcalendar:enter_year", get=only(ADMIN, 302, 404), post=only(ADMIN, 302, 404), obj="year"
)  # 2026 is official
