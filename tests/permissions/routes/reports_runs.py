"""reports (issue 7): 报表中心, the report runs' pages and API. Quality and management use them; for everybody else
(department heads too: a workbook covers every department and lists every feedback of the period) they are not
there (404). A route naming a run is asked about three runs: ``own`` a done one (with its file), ``other`` a failed
one, ``unassigned`` one still queued."""

from django.core.files.base import ContentFile

from accounts.roles import Role

from ..rules import api, logged_in, only, route
from ..world import OTHER, OWN, UNASSIGNED

REPORTS = {Role.QUALITY_ENGINEER, Role.MANAGEMENT}


def _run(world, who, scenario) -> dict:
    """The scenario's run (made on first use inside the test's transaction: rolled back with it)."""
    import datetime as dt

    from reports.models import ReportRun

    status = {OWN: "done", OTHER: "failed", UNASSIGNED: "queued"}[scenario]
    run = ReportRun.objects.filter(status=status, kind="range", period_start=dt.date(2026, 1, 1)).first()
    if run is None:
        run = ReportRun.objects.create(
            kind="range",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 1, 31),
            status=status,
            error="矩阵测试" if status == "failed" else "",
        )
        if status == "done":
            run.file.save("matrix.xlsx", ContentFile(b"PK\x03\x04matrix"), save=True)
    return {"pk": run.pk, "run_id": run.pk}


def _downloads(who, scenario):
    return 200 if who in REPORTS and scenario == OWN else 404


route("reports_runs:list", get=only(REPORTS, 200, 404), post=only(REPORTS, 400, 404), lists=lambda who: set())
route("reports_runs:row", get=only(REPORTS, 200, 404), post=logged_in(405), obj=_run)
route("reports_runs:download", get=logged_in(_downloads), post=logged_in(405), obj=_run)
route("reports_runs:retry", get=logged_in(405), post=only(REPORTS, 302, 404), obj=_run)

api("/api/reports/runs/", "get", only(REPORTS, 200, 404, anonymous=401))
api("/api/reports/runs/", "post", only(REPORTS, 400, 404, anonymous=401))  # an empty body: nothing chosen
api("/api/reports/runs/{run_id}/", "get", only(REPORTS, 200, 404, anonymous=401), obj=_run)
# a run that exists but is not done (failed, queued) answers 409 in the API: not ready, see its status
api(
    "/api/reports/runs/{run_id}/download/",
    "get",
    logged_in(lambda who, s: (200 if s == OWN else 409) if who in REPORTS else 404, anonymous=401),
    obj=_run,
)
