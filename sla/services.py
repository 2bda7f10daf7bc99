"""Deadlines: starting, stopping and pausing clocks. How their times are computed: sla.schedule; recomputing them
after a calendar change: sla.recompute; the sweep that tells people: sla.sweep (both re-exported here, the one
import for the other apps).

Waiting periods (``clocks_pause`` / ``clocks_resume``) stop the running working-day clocks of a feedback (not the
emergency clock, not measure clocks). The rule, in whole working days: at the pause, the clock keeps the working
days it has left *counting the pause day itself as a whole day if it is a working day* (paused Friday 10:00,
due Monday → 2 left: Friday and Monday; paused Saturday → 1 left). At the resume, they count from the resume day,
*the resume day included if it is a working day*: resumed Friday 15:00 → due Monday again; resumed Saturday → the
rest of Friday is given back as Monday, due Tuesday. A clock paused after its deadline stays overdue, unchanged."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from workcalendar.calendar import CHINA, WorkCalendar, get_calendar, local_date

from . import ports
from .models import GRACE, WORKING_DAY_KINDS, ClockKind, Outcome, SlaClock, SlaSetting
from .recompute import clocks_recompute, clocks_recompute_if_stale
from .schedule import apply_working_schedule, schedule_measure, schedule_new
from .sweep import SWEEP_BATCH, SweepResult, clocks_sweep

__all__ = [
    "SWEEP_BATCH",
    "SweepResult",
    "clock_restart",
    "clock_start",
    "clock_stop",
    "clock_stop_all",
    "clocks_pause",
    "clocks_recompute",
    "clocks_recompute_if_stale",
    "clocks_resume",
    "clocks_sweep",
    "measure_clocks_replan",
]

logger = logging.getLogger(__name__)


def _running(feedback, kind: str, measure=None) -> QuerySet[SlaClock]:
    qs = SlaClock.objects.filter(feedback=feedback, kind=kind, outcome=Outcome.RUNNING)
    return qs.filter(measure=measure) if measure is not None else qs.filter(measure__isnull=True)


def _is_pausable(clock: SlaClock) -> bool:
    return clock.kind in WORKING_DAY_KINDS and clock.anchor_date is not None


def _sync_registration_due(clock: SlaClock) -> None:
    """The feedback's ``registration_due_at`` follows its registration clock (not written when already in step)."""
    if clock.kind == ClockKind.REGISTRATION:
        ports.subject().registration_due_changed(feedback_ids=[clock.feedback_id], due_at=clock.due_at)


# --- starting and stopping --------------------------------------------------------------------------------------
@transaction.atomic
def clock_start(
    *, feedback, kind: ClockKind | str, start: dt.datetime | None = None, measure=None
) -> SlaClock:
    """Start the clock ``kind`` of ``feedback`` (of ``measure`` for a measure clock) at ``start`` (now).
    Idempotent: a clock of that kind that is already running is returned unchanged."""
    kind = ClockKind(kind)
    if kind == ClockKind.MEASURE and measure is None:
        raise ValueError("a measure clock needs its measure")
    if kind != ClockKind.MEASURE:
        measure = None
    existing = _running(feedback, kind, measure).first()
    if existing is not None:
        return existing
    start = start or timezone.now()
    clock = SlaClock(feedback=feedback, kind=kind, measure=measure, started_at=start)
    schedule_new(clock, SlaSetting.for_kind(kind))
    clock.full_clean(exclude=["feedback", "measure"], validate_constraints=False)
    try:
        with transaction.atomic():
            clock.save()
    except IntegrityError:  # started at the same moment by someone else: theirs is the clock
        return _running(feedback, kind, measure).get()
    if _is_pausable(clock) and _feedback_is_waiting(feedback):
        _pause([clock], at=start, calendar=get_calendar())
        clock.save(update_fields=["paused_at", "remaining_days"])
    if kind == ClockKind.REGISTRATION:
        _sync_registration_due(clock)
        feedback.registration_due_at = clock.due_at
    return clock


def _feedback_is_waiting(feedback) -> bool:
    return ports.subject().is_waiting(feedback)


def _finish(clock: SlaClock, *, at: dt.datetime, cancel: bool = False) -> None:
    if cancel:
        outcome = Outcome.CANCELLED
    else:
        measured_at = clock.paused_at if clock.paused_at is not None else at
        outcome = Outcome.MISSED if measured_at >= clock.due_at + GRACE else Outcome.MET
    clock.stopped_at = at
    clock.outcome = outcome
    clock.paused_at = None
    clock.remaining_days = None


_FINISH_FIELDS = ["stopped_at", "outcome", "paused_at", "remaining_days"]


@transaction.atomic
def clock_stop(
    *, feedback, kind: ClockKind | str, at: dt.datetime | None = None, measure=None
) -> SlaClock | None:
    """Stop the running clock: met if stopped by its deadline, missed after it. No running clock: None."""
    kind = ClockKind(kind)
    clock = (
        _running(feedback, kind, measure if kind == ClockKind.MEASURE else None).select_for_update().first()
    )
    if clock is None:
        return None
    _finish(clock, at=at or timezone.now())
    clock.save(update_fields=_FINISH_FIELDS)
    return clock


@transaction.atomic
def clock_stop_all(*, feedback, at: dt.datetime | None = None, cancel: bool = False) -> list[SlaClock]:
    """Stop every running clock of ``feedback`` (closing), or cancel them (voiding: neither met nor missed)."""
    at = at or timezone.now()
    clocks = list(
        SlaClock.objects.select_for_update().filter(feedback=feedback, outcome=Outcome.RUNNING).order_by("id")
    )
    for clock in clocks:
        _finish(clock, at=at, cancel=cancel)
    SlaClock.objects.bulk_update(clocks, _FINISH_FIELDS)
    return clocks


@transaction.atomic
def clock_restart(
    *, feedback, kind: ClockKind | str, start: dt.datetime, at: dt.datetime | None = None
) -> SlaClock:
    """The moment a clock counts from was corrected (a draft's feedback time): the running clock is cancelled
    (it stays visible, neither met nor missed) and a new one counts from ``start``."""
    kind = ClockKind(kind)
    running = list(_running(feedback, kind).select_for_update())
    for clock in running:
        _finish(clock, at=at or timezone.now(), cancel=True)
    SlaClock.objects.bulk_update(running, _FINISH_FIELDS)
    return clock_start(feedback=feedback, kind=kind, start=start)


@transaction.atomic
def measure_clocks_replan(*, measure, at: dt.datetime | None = None) -> int:
    """The measure's planned date changed: move its running clocks' deadline (a later date may notify again)."""
    at = at or timezone.now()
    clocks = list(SlaClock.objects.select_for_update().filter(measure=measure, outcome=Outcome.RUNNING))
    warn_percent = SlaSetting.for_kind(ClockKind.MEASURE).warn_percent
    for clock in clocks:
        clock.measure = measure
        clock.warn_percent = warn_percent
        schedule_measure(clock)
        if clock.due_at + GRACE > at:
            clock.overdue_notified_at = None
        if clock.warn_at > at:
            clock.warn_notified_at = None
    SlaClock.objects.bulk_update(
        clocks, ["due_at", "warn_at", "warn_percent", "overdue_notified_at", "warn_notified_at"]
    )
    return len(clocks)


# --- waiting periods --------------------------------------------------------------------------------------------
def _pause(clocks: list[SlaClock], *, at: dt.datetime, calendar: WorkCalendar) -> None:
    today = local_date(at)
    for clock in clocks:
        clock.paused_at = at
        if at >= clock.due_at + GRACE:
            clock.remaining_days = 0  # already overdue: it stays so
        else:
            due_day = clock.due_at.astimezone(CHINA).date()
            clock.remaining_days = max(calendar.working_days_between(today, due_day), 1)


@transaction.atomic
def clocks_pause(*, feedback, at: dt.datetime | None = None) -> list[SlaClock]:
    """A waiting period starts: the running working-day clocks of ``feedback`` stand still."""
    at = at or timezone.now()
    clocks = list(
        SlaClock.objects.select_for_update().filter(
            feedback=feedback,
            kind__in=WORKING_DAY_KINDS,
            outcome=Outcome.RUNNING,
            paused_at__isnull=True,
            anchor_date__isnull=False,
        )
    )
    _pause(clocks, at=at, calendar=get_calendar())
    SlaClock.objects.bulk_update(clocks, ["paused_at", "remaining_days"])
    return clocks


@transaction.atomic
def clocks_resume(*, feedback, at: dt.datetime | None = None) -> list[SlaClock]:
    """The waiting period ends: the paused clocks run again with the working days they had left."""
    at = at or timezone.now()
    calendar = get_calendar()
    clocks = list(
        SlaClock.objects.select_for_update().filter(
            feedback=feedback, outcome=Outcome.RUNNING, paused_at__isnull=False
        )
    )
    for clock in clocks:
        if clock.remaining_days:
            # counted from the day before the resume day: the resume day is the first day counted
            clock.anchor_date = local_date(at) - dt.timedelta(days=1)
            clock.anchor_days = clock.remaining_days
            apply_working_schedule(clock, calendar)
        clock.paused_at = None
        clock.remaining_days = None
    SlaClock.objects.bulk_update(
        clocks,
        [
            "paused_at",
            "remaining_days",
            "anchor_date",
            "anchor_days",
            "due_at",
            "warn_at",
            "provisional",
            "basis",
        ],
    )
    for clock in clocks:
        _sync_registration_due(clock)
    return clocks
