"""Report runs, the service: requested once, built once, failures recorded and retried, management and quality
told when it is ready. Builds run here in the test process (the worker's own test: test_runs_worker.py)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.roles import Role
from notifications.models import Notification
from notifications.services import email_outbox_flush
from reports import services
from reports.models import ReportRun
from reports.periods import Period

from .runs_data import block_storage, last_month, small_month, unblock_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def quality(users):
    return users[Role.QUALITY_ENGINEER]


def test_the_monthly_report_of_a_month_is_requested_once(users, quality):
    period = last_month()
    first, created = services.report_request(period=period, actor=None)
    again, created_again = services.report_request(period=period, actor=quality)
    also, _ = services.report_request(period=period, actor=users[Role.MANAGEMENT])
    assert created and not created_again
    assert first.pk == again.pk == also.pk
    assert first.kind == ReportRun.Kind.MONTHLY and first.requested_by is None
    assert ReportRun.objects.count() == 1


def test_the_running_month_and_a_product_line_are_range_reports(quality):
    this_month = Period.current_month()
    run, _ = services.report_request(period=this_month, actor=quality)
    assert run.kind == ReportRun.Kind.RANGE
    # the month, once it has ended, still gets its monthly report
    monthly, created = services.report_request(period=last_month(), actor=quality)
    assert created and monthly.kind == ReportRun.Kind.MONTHLY


def test_a_range_already_queued_is_returned_a_done_one_may_be_asked_again(quality):
    period = Period(dt.date(2026, 9, 3), dt.date(2026, 10, 17))
    first, created = services.report_request(period=period, actor=quality)
    second, created_second = services.report_request(period=period, actor=quality)
    assert created and not created_second and first.pk == second.pk
    ReportRun.objects.filter(pk=first.pk).update(status=ReportRun.Status.DONE)
    third, created_third = services.report_request(period=period, actor=quality)
    assert created_third and third.pk != first.pk


@pytest.mark.parametrize("role", [Role.DEPT_HEAD, Role.DEPT_MEMBER, Role.CS_AGENT, Role.CS_SUPERVISOR])
def test_only_quality_and_management_request_reports(users, role):
    with pytest.raises(PermissionDenied):
        services.report_request(period=last_month(), actor=users[role])
    assert not ReportRun.objects.exists()


def test_the_request_enqueues_the_build_after_commit_and_does_not_build(
    quality, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run, _ = services.report_request(period=last_month(), actor=quality)
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.status == ReportRun.Status.QUEUED and not run.file and run.progress == 0


def test_a_build_makes_the_file_and_a_second_build_does_nothing(users, quality):
    period = last_month()
    small_month(period.start.year, period.start.month)
    run, _ = services.report_request(period=period, actor=None, enqueue=False)
    built = services.report_build(run.pk)
    assert built.status == ReportRun.Status.DONE, built.error
    assert built.progress == 100 and built.file and built.file_size > 0 and built.attempts == 1
    assert built.file.storage.exists(built.file.name)
    name = built.file.name
    again = services.report_build(run.pk)  # a duplicated message, a second beat run
    assert again.attempts == 1 and again.file.name == name and again.finished_at == built.finished_at
    assert services.report_monthly_request().pk == run.pk
    assert ReportRun.objects.count() == 1


def test_a_run_held_by_a_live_worker_is_left_alone_a_dead_ones_is_taken_over(quality):
    run, _ = services.report_request(period=last_month(), actor=quality, enqueue=False)
    now = timezone.now()
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.RUNNING, attempts=1, claimed_until=now + dt.timedelta(minutes=2), progress=30
    )
    left = services.report_build(run.pk, now=now)
    assert left.status == ReportRun.Status.RUNNING and left.attempts == 1 and left.progress == 30
    assert services.report_runs_stuck(now=now) == []
    later = now + dt.timedelta(minutes=5)  # the lease ran out: that worker died
    assert services.report_runs_stuck(now=later) == [run.pk]
    taken = services.report_build(run.pk, now=later)
    assert taken.status == ReportRun.Status.DONE and taken.attempts == 2


def test_a_failure_is_recorded_with_its_reason_nothing_is_offered_and_a_retry_succeeds(quality, client):
    period = Period(dt.date(2019, 2, 3), dt.date(2019, 2, 20))  # a folder of its own (the storage is shared)
    run, _ = services.report_request(period=period, actor=quality, enqueue=False)
    blocker = block_storage(run)
    try:
        failed = services.report_build(run.pk)
    finally:
        unblock_storage(blocker)
    assert failed.status == ReportRun.Status.FAILED
    assert "Error" in failed.error and failed.finished_at and not failed.file and not failed.downloadable
    client.force_login(quality)
    assert client.get(f"/reports/runs/{run.pk}/download/").status_code == 404
    assert services.report_build(run.pk).status == ReportRun.Status.FAILED  # not built again by itself

    retried = services.report_retry(run=failed, actor=quality)
    assert retried.pk == run.pk and retried.status == ReportRun.Status.QUEUED and retried.error == ""
    done = services.report_build(run.pk)
    assert done.status == ReportRun.Status.DONE and done.attempts == 2 and done.downloadable
    with pytest.raises(ValidationError):
        services.report_retry(run=done, actor=quality)


def test_a_failed_monthly_report_requested_again_is_queued_again(quality):
    run, _ = services.report_request(period=last_month(), actor=None, enqueue=False)
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.FAILED, error="x")
    again, created = services.report_request(period=last_month(), actor=quality, enqueue=False)
    assert not created and again.pk == run.pk and again.status == ReportRun.Status.QUEUED


def test_when_done_management_and_quality_are_told_in_the_app_and_by_email(users, quality, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run, _ = services.report_request(period=last_month(), actor=None, enqueue=False)
    services.report_build(run.pk)
    told = Notification.objects.filter(kind="report_ready")
    link = f"/reports/runs/{run.pk}/download/"
    assert {n.recipient for n in told} == {quality, users[Role.MANAGEMENT]}
    assert all(n.url == link for n in told)
    services.report_build(run.pk)
    assert Notification.objects.filter(kind="report_ready").count() == 2  # once each
    email_outbox_flush(now=timezone.now() + dt.timedelta(days=7))
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {quality.email, users[Role.MANAGEMENT].email}
    body = sent[quality.email].body
    assert period_label(run) in sent[quality.email].subject and link in body


def period_label(run) -> str:
    return Period(run.period_start, run.period_end).label
