"""reports: the management figures as JSON. Quality, management and department heads (their department's figures)
read them; everybody else gets 404, as on the dashboard page; anonymous 401 (HTTP Basic)."""

from accounts.roles import Role

from ..rules import api, only

SEES_DASHBOARD = {Role.QUALITY_ENGINEER, Role.MANAGEMENT, Role.DEPT_HEAD}

api("/api/reports/dashboard/", "get", only(SEES_DASHBOARD, 200, other=404, anonymous=401))
