"""Report runs: requesting, building (in a Celery worker, never in a web request), retrying.

Idempotence: the monthly report of a month is one row (``report_monthly_once``); ``report_build`` claims the run
under a row lock before it starts (QUEUED → RUNNING, or a RUNNING run whose worker's lease ran out) and finishes it
only while it still holds that claim (the attempt number is the claim's token). So a second beat run, a duplicated
message or a retry never builds a second copy, and a worker that died mid-build lets the run go when its lease
runs out (``report_runs_stuck`` + the resume task pick it up again).

Nothing half-written is offered: the workbook is written to a temporary file, saved to storage only when complete,
and the row becomes DONE (with its file) in the same statement that checks the claim."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import users_with_role
from notifications.services import notify

from .models import ReportRun, report_path
from .periods import Period

logger = logging.getLogger(__name__)

# The worker's hold on a run, renewed with every progress step (a step is far shorter than this).
CLAIM_LEASE = dt.timedelta(minutes=3)
# A queued run whose task never arrived (the broker was down) is enqueued again after this.
QUEUED_GRACE = dt.timedelta(minutes=10)
REPORT_ROLES = (Role.QUALITY_ENGINEER, Role.MANAGEMENT)


# --- who may --------------------------------------------------------------------------------------------------
def can_use_reports(user) -> bool:
    """Quality and management build, list and download reports. A department head's view is limited to their
    department (the dashboard does that), but a workbook covers every department and lists every feedback of the
    period: department heads, members and customer service do not see reports (404)."""
    return bool(user and user.is_authenticated and user.has_role(*REPORT_ROLES))


def report_runs_visible_to(user) -> QuerySet[ReportRun]:
    qs = ReportRun.objects.select_related("requested_by", "product_line")
    return qs if can_use_reports(user) else qs.none()


def report_run_get_visible(user, pk) -> ReportRun:
    try:
        return report_runs_visible_to(user).get(pk=pk)
    except (ReportRun.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def run_period(run: ReportRun) -> Period:
    return Period(start=run.period_start, end=run.period_end)


def kind_of(period: Period, product_line_id: int | None, today: dt.date | None = None) -> str:
    """A whole calendar month that has ended, for the whole company, is that month's monthly report (one per
    month); anything else (a range, one product line, the month still running) is a range report."""
    today = today or timezone.localdate()
    if product_line_id is None and period.is_month and period.end < today:
        return ReportRun.Kind.MONTHLY
    return ReportRun.Kind.RANGE


# --- requesting -----------------------------------------------------------------------------------------------
def _enqueue(run_id: int) -> None:
    from . import tasks

    try:
        tasks.build_report.delay(run_id)
    except Exception:
        logger.exception("could not enqueue the build of report %s; the resume sweep will pick it up", run_id)


def _requeue(run: ReportRun) -> bool:
    """A failed build queued again (the same record, in the database only); False when it is not failed (any
    more)."""
    updated = ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.FAILED).update(
        status=ReportRun.Status.QUEUED,
        progress=0,
        error="",
        started_at=None,
        finished_at=None,
        claimed_until=None,
    )
    return bool(updated)


@transaction.atomic
def report_request(
    *, period: Period, actor, product_line=None, enqueue: bool = True
) -> tuple[ReportRun, bool]:
    """Ask for a workbook of ``period`` (``actor`` None: beat). Returns ``(run, created)``.

    The monthly report of a month is never requested twice: an existing one that is queued, running or done is
    returned as it is; a failed one is queued again. A range that is already queued or running is returned too
    (a range ending today changes with every new feedback: a done one may be asked for again)."""
    if actor is not None and not can_use_reports(actor):
        raise PermissionDenied
    product_line_id = product_line.pk if product_line is not None else None
    kind = kind_of(period, product_line_id)
    created = False
    if kind == ReportRun.Kind.MONTHLY:
        run, created = ReportRun.objects.select_for_update().get_or_create(
            kind=kind,
            period_start=period.start,
            defaults={"period_end": period.end, "requested_by": actor},
        )
        if run.status == ReportRun.Status.FAILED:
            _requeue(run)
            run.refresh_from_db()
    else:
        run = (
            ReportRun.objects.filter(
                kind=kind,
                period_start=period.start,
                period_end=period.end,
                product_line_id=product_line_id,
                status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING],
            )
            .order_by("-id")
            .first()
        )
        if run is None:
            run = ReportRun.objects.create(
                kind=kind,
                period_start=period.start,
                period_end=period.end,
                product_line_id=product_line_id,
                requested_by=actor,
            )
            created = True
    if enqueue and run.status == ReportRun.Status.QUEUED:
        run_id = run.pk
        transaction.on_commit(lambda: _enqueue(run_id))
    return run, created


def report_monthly_request(*, today: dt.date | None = None, enqueue: bool = False) -> ReportRun:
    """Beat, on the 1st: last month's report (once, whatever happens)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    run, _created = report_request(
        period=Period.month(last_month_end.year, last_month_end.month), actor=None, enqueue=enqueue
    )
    return run


@transaction.atomic
def report_retry(*, run: ReportRun, actor) -> ReportRun:
    """A failed build, queued again (the same record)."""
    if not can_use_reports(actor):
        raise PermissionDenied
    if not _requeue(run):
        raise ValidationError(_("Only a failed report can be retried."))
    run.refresh_from_db()
    run_id = run.pk
    transaction.on_commit(lambda: _enqueue(run_id))
    return run


# --- building -------------------------------------------------------------------------------------------------
def _claim(run_id: int, now: dt.datetime) -> int | None:
    """QUEUED (or RUNNING with an expired lease) → RUNNING, under the row lock: the claim's attempt number, or
    None when somebody else has it or there is nothing to build."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return None
        stale = run.status == ReportRun.Status.RUNNING and (
            run.claimed_until is None or run.claimed_until < now
        )
        if run.status != ReportRun.Status.QUEUED and not stale:
            return None
        run.status = ReportRun.Status.RUNNING
        run.attempts += 1
        run.progress = 0
        run.error = ""
        run.started_at = now
        run.finished_at = None
        run.claimed_until = now + CLAIM_LEASE
        run.save(
            update_fields=[
                "status",
                "attempts",
                "progress",
                "error",
                "started_at",
                "finished_at",
                "claimed_until",
            ]
        )
        return run.attempts


def _held(run_id: int, attempt: int) -> QuerySet[ReportRun]:
    return ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.RUNNING, attempts=attempt)


class ClaimLost(Exception):
    """Another worker took the run over (this one was presumed dead): stop without writing anything."""


class _Progress:
    """Writes the percentage (and renews the lease), only when it changed."""

    def __init__(self, run_id: int, attempt: int) -> None:
        self.run_id, self.attempt, self.last = run_id, attempt, -1

    def __call__(self, percent: int) -> None:
        percent = max(0, min(99, int(percent)))
        if percent == self.last:
            return
        self.last = percent
        held = _held(self.run_id, self.attempt).update(
            progress=percent, claimed_until=timezone.now() + CLAIM_LEASE
        )
        if not held:
            raise ClaimLost


def report_build(run_id: int, *, now: dt.datetime | None = None) -> ReportRun | None:
    """Build the workbook of a run (the worker). Does nothing when the run is not there to build (done, failed,
    or being built by another worker). On success the run is DONE with its file and management and quality are
    told; on failure it is FAILED with the reason (retry: ``report_retry``)."""
    from .workbook import workbook_build

    now = now or timezone.now()
    attempt = _claim(run_id, now)
    if attempt is None:
        return ReportRun.objects.filter(pk=run_id).first()
    run = ReportRun.objects.select_related("product_line").get(pk=run_id)
    saved_name = ""
    try:
        with tempfile.TemporaryDirectory(prefix="report-") as folder:
            path = Path(folder) / "report.xlsx"
            workbook_build(
                run_period(run),
                path,
                product_line_id=run.product_line_id,
                progress=_Progress(run_id, attempt),
            )
            size = path.stat().st_size
            with path.open("rb") as handle:
                saved_name = run.file.storage.save(report_path(run, path.name), File(handle))
        with transaction.atomic():
            finished = _held(run_id, attempt).update(
                status=ReportRun.Status.DONE,
                file=saved_name,
                file_size=size,
                progress=100,
                finished_at=timezone.now(),
                claimed_until=None,
            )
            if not finished:
                raise ClaimLost
            run.refresh_from_db()
            _tell_done(run)
        return run
    except ClaimLost:
        logger.warning("report %s: another worker took the build over; this copy is dropped", run_id)
        _forget_file(run, saved_name)
        return ReportRun.objects.get(pk=run_id)
    except Exception as error:
        logger.exception("report %s failed", run_id)
        _forget_file(run, saved_name)
        reason = f"{type(error).__name__}: {error}"[:2000]
        _held(run_id, attempt).update(
            status=ReportRun.Status.FAILED,
            error=gettext("The workbook could not be built: %(reason)s") % {"reason": reason},
            finished_at=timezone.now(),
            claimed_until=None,
        )
        return ReportRun.objects.get(pk=run_id)


def _forget_file(run: ReportRun, name: str) -> None:
    if name:
        try:
            run.file.storage.delete(name)
        except Exception:  # nothing points at it: at worst an orphan file
            logger.exception("could not delete the unfinished report file %s", name)


def _tell_done(run: ReportRun) -> None:
    notify(
        recipients=users_with_role(*REPORT_ROLES),
        kind="report_ready",
        subject=_("Report ready: %(period)s"),
        body=_(
            "The after-sales feedback analysis report for %(period)s is ready: download it from the link below."
        ),
        params={"period": run_period(run).label},
        url=reverse("reports_runs:download", args=[run.pk]),
        dedup_key=f"report:{run.pk}:ready",
        roles=[str(role) for role in REPORT_ROLES],
    )


def report_runs_stuck(*, now: dt.datetime | None = None) -> list[int]:
    """Runs to enqueue again: queued long ago (their task never arrived), or running with an expired lease (their
    worker died)."""
    now = now or timezone.now()
    return list(
        ReportRun.objects.filter(
            Q(status=ReportRun.Status.QUEUED, created_at__lt=now - QUEUED_GRACE)
            | Q(status=ReportRun.Status.RUNNING, claimed_until__lt=now)
        ).values_list("pk", flat=True)
    )
