"""reports (the dashboard page): 管理驾驶舱 for quality and management (everything) and department heads (their
department); for everybody else it is not there (404). A read-only page: any other method is refused first (405)."""

from accounts.roles import Role

from ..rules import logged_in, only, route

SEES_DASHBOARD = {Role.QUALITY_ENGINEER, Role.MANAGEMENT, Role.DEPT_HEAD}

route(
    "reports:dashboard",
    get=only(SEES_DASHBOARD, 200, 404),
    post=logged_in(405),
    lists=lambda who: set(),  # figures, not feedback numbers
)
