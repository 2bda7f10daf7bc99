"""Celery tasks: an interface only, each calls a service (reports.services)."""

from celery import shared_task

from . import services, tallies


# A month of 100,000 feedbacks takes about a minute; the limits leave room on a busy machine.
@shared_task(
    name="reports.tasks.build_report",
    ignore_result=True,
    bind=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=10,
    max_retries=5,
    time_limit=30 * 60,
    soft_time_limit=29 * 60,
)
def build_report(self, run_id: int) -> str | None:
    """Build one report run (does nothing when it is done, failed, or being built by another worker)."""
    run = services.report_build(run_id)
    return run.status if run is not None else None


@shared_task(name="reports.tasks.build_monthly_report", ignore_result=True)
def build_monthly_report() -> int:
    """Beat, on the 1st at 01:00 (Asia/Shanghai): last month's report, requested once and built here."""
    run = services.report_monthly_request()
    services.report_build(run.pk)
    return run.pk


@shared_task(name="reports.tasks.resume_reports", ignore_result=True)
def resume_reports() -> int:
    """Runs whose task never arrived (the broker was down) or whose worker died: enqueue them again."""
    stuck = services.report_runs_stuck()
    for run_id in stuck:
        build_report.delay(run_id)
    return len(stuck)


@shared_task(name="reports.tasks.keep_tallies", ignore_result=True)
def keep_tallies() -> int:
    """Beat, every minute: refresh the records changed since (so that little is left for the next reader), then
    merge the tally rows written since the last run (the same sums, fewer rows to read)."""
    refreshed = tallies.flush()
    tallies.compact()
    return refreshed
