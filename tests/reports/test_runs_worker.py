"""A real Celery worker through Redis builds the reports: last month's from the beat task, once however often the
task runs; a failure is recorded and a retry through the worker succeeds."""

import datetime as dt

import pytest
from openpyxl import load_workbook

from accounts.roles import Role
from reports import services
from reports.models import ReportRun
from reports.periods import Period
from reports.tasks import build_monthly_report, build_report

from .runs_data import block_storage, last_month, small_month, unblock_storage

pytestmark = [pytest.mark.worker]


def _status(pk):
    return ReportRun.objects.filter(pk=pk).values_list("status", flat=True).first()


def test_the_worker_builds_last_months_report_from_the_beat_task_once(celery_worker, users):
    period = last_month()
    small_month(period.start.year, period.start.month)
    build_monthly_report.delay()
    run = celery_worker.wait_for(
        lambda: ReportRun.objects.filter(kind="monthly", period_start=period.start, status="done").first(),
        timeout=120,
    )
    assert run.period_end == period.end and run.requested_by is None and run.attempts == 1
    with run.file.open("rb") as handle:
        book = load_workbook(handle)
        assert "明细" in book.sheetnames and book["明细"].max_row == 1 + 7
    name = run.file.name

    # beat again (a second beat, a duplicated message), and the build task itself twice
    build_monthly_report.delay()
    build_report.delay(run.pk)
    build_report.delay(run.pk)
    marker = services.report_request(
        period=Period(dt.date(2025, 1, 1), dt.date(2025, 1, 2)), actor=users[Role.QUALITY_ENGINEER]
    )[0]  # queued after them: once it is done, the worker has taken every message before it
    celery_worker.wait_for(lambda: _status(marker.pk) == "done", timeout=120)
    assert ReportRun.objects.filter(kind="monthly").count() == 1
    run.refresh_from_db()
    assert run.attempts == 1 and run.file.name == name and run.status == "done"


def test_a_failure_in_the_worker_is_recorded_and_a_retry_succeeds(celery_worker, users):
    quality = users[Role.QUALITY_ENGINEER]
    period = Period(dt.date(2019, 3, 1), dt.date(2019, 3, 15))
    run = ReportRun.objects.create(
        kind="range", period_start=period.start, period_end=period.end, requested_by=quality
    )
    blocker = block_storage(run)
    try:
        build_report.delay(run.pk)
        celery_worker.wait_for(lambda: _status(run.pk) == "failed", timeout=120)
    finally:
        unblock_storage(blocker)
    run.refresh_from_db()
    assert run.error and not run.file and run.attempts == 1

    services.report_retry(run=run, actor=quality)  # enqueues on commit (autocommit here)
    celery_worker.wait_for(lambda: _status(run.pk) == "done", timeout=120)
    run.refresh_from_db()
    assert run.attempts == 2 and run.error == "" and run.file and run.file.storage.exists(run.file.name)
