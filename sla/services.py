"""Deadlines: starting, stopping, pausing and recomputing clocks, and the sweep that tells people.

How a clock's times are computed (every working-day deadline goes through workcalendar.calendar):

* working-day clocks (registration, verification, CAPA form, effect verification, callback): due at the end
  (23:59:59 Asia/Shanghai) of the N-th working day after the start's date; "due soon" when N × (1 − warn%)
  working days are left (each working day counting its 24 hours): 1 day → noon of the due day, 2 days → the start
  of the second day, 3 days → noon of the second day, 5 days → noon of the third day.
* the Ⅲ emergency clock: due 24 hours (calendar time) after grading, due soon 4 hours before (settings).
* a measure clock: due at the end of the measure's planned date; due soon at warn% of the calendar time between
  planning and that end.

Waiting periods (``clocks_pause`` / ``clocks_resume``) stop the running working-day clocks of a feedback (not the
emergency clock, not measure clocks). The rule, in whole working days: at the pause, the clock keeps the working
days it has left *counting the pause day itself as a whole day if it is a working day* (paused Friday 10:00,
due Monday → 2 left: Friday and Monday; paused Saturday → 1 left). At the resume, they count from the resume day,
*the resume day included if it is a working day*: resumed Friday 15:00 → due Monday again; resumed Saturday → the
rest of Friday is given back as Monday, due Tuesday. A clock paused after its deadline stays overdue, unchanged.

A change to the calendar recomputes the running working-day clocks (``clocks_recompute``): clocks are grouped by
how their deadline is computed (anchor date, working days, warning share), each group's deadline is computed once,
and only the groups whose clocks hold other values are written: one UPDATE per group, with
``Feedback.registration_due_at`` of its registration clocks in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from workcalendar.calendar import CHINA, WorkCalendar, end_of_day, get_calendar, local_date

from . import ports
from .models import GRACE, WORKING_DAY_KINDS, ClockKind, Outcome, SlaClock, SlaSetting

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200


# --- computing the times ----------------------------------------------------------------------------------------
# How a working-day clock's deadline is computed: every clock with the same key has the same schedule.
ScheduleKey = tuple[dt.date, int, int | None, int]  # anchor_date, anchor_days, length_days, warn_percent
SCHEDULE_KEY_FIELDS = ("anchor_date", "anchor_days", "length_days", "warn_percent")
SCHEDULE_FIELDS = ("due_at", "warn_at", "provisional", "basis")


def _working_schedule(calendar: WorkCalendar, key: ScheduleKey) -> dict:
    """``{due_at, warn_at, provisional, basis}`` of a working-day clock computed as ``key`` says."""
    anchor_date, anchor_days, length_days, warn_percent = key
    deadline = calendar.deadline_after_date(anchor_date, anchor_days)
    warn_days = (length_days or 0) * (100 - warn_percent) / 100
    return {
        "due_at": deadline.due,
        "warn_at": calendar.working_time_before(deadline.due, warn_days),
        "provisional": deadline.provisional,
        "basis": deadline.basis_json(),
    }


def _key_filter(key: ScheduleKey) -> dict:
    return dict(zip(SCHEDULE_KEY_FIELDS, key, strict=True))


def _apply_working_schedule(clock: SlaClock, calendar: WorkCalendar) -> None:
    key = tuple(getattr(clock, name) for name in SCHEDULE_KEY_FIELDS)
    for name, value in _working_schedule(calendar, key).items():
        setattr(clock, name, value)


def _schedule_new(clock: SlaClock, setting: SlaSetting) -> None:
    start = clock.started_at
    clock.warn_percent = setting.warn_percent
    if clock.kind == ClockKind.MEASURE:
        _schedule_measure(clock)
    elif setting.length_working_days:
        clock.length_days = setting.length_working_days
        clock.anchor_date = local_date(start)
        clock.anchor_days = setting.length_working_days
        _apply_working_schedule(clock, get_calendar())
    else:
        hours = setting.length_hours or 24
        clock.length_hours = hours
        clock.due_at = start + dt.timedelta(hours=hours)
        if setting.warn_hours_before is not None:
            clock.warn_at = max(start, clock.due_at - dt.timedelta(hours=setting.warn_hours_before))
        else:
            clock.warn_at = start + dt.timedelta(hours=hours) * setting.warn_percent / 100
        clock.basis = {}


def _schedule_measure(clock: SlaClock) -> None:
    """Due at the end of the measure's planned date, due soon at ``warn_percent`` of the time from the start."""
    clock.due_at = end_of_day(clock.measure.planned_date)
    span = max(clock.due_at - clock.started_at, dt.timedelta(0))
    clock.warn_at = clock.started_at + span * clock.warn_percent / 100
    clock.basis = {}


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
    _schedule_new(clock, SlaSetting.for_kind(kind))
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
        _schedule_measure(clock)
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
            _apply_working_schedule(clock, calendar)
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


# --- the calendar changed ---------------------------------------------------------------------------------------
def clocks_recompute() -> int:
    """Recompute due / warning / provisional / basis of every running working-day clock from the current calendar.
    Returns how many clocks changed.

    One read lists each schedule key (anchor date, working days, warning share) with the values its clocks hold
    now; each key's schedule is computed once, and only the keys whose clocks hold other values are written (a
    change to one day rewrites the few keys whose count runs through that day, not every running clock)."""
    from workcalendar.models import CalendarRevision

    calendar = get_calendar(refresh=True)
    running = SlaClock.objects.filter(
        outcome=Outcome.RUNNING, paused_at__isnull=True, anchor_date__isnull=False
    )
    held = (
        running.order_by(*SCHEDULE_KEY_FIELDS).values_list(*SCHEDULE_KEY_FIELDS, *SCHEDULE_FIELDS).distinct()
    )
    schedules: dict[ScheduleKey, dict] = {}
    stale_keys: dict[ScheduleKey, None] = {}  # in key order
    for row in held:
        key, values = row[:4], dict(zip(SCHEDULE_FIELDS, row[4:], strict=True))
        if key not in schedules:
            schedules[key] = _working_schedule(calendar, key)
        if values != schedules[key]:
            stale_keys[key] = None
    changed = 0
    for key in stale_keys:
        schedule = schedules[key]
        stale = running.filter(**_key_filter(key)).exclude(**schedule)
        # In one transaction, the feedbacks first, then the clocks: the order in which a transition locks them.
        with transaction.atomic():
            ports.subject().registration_due_changed(
                feedback_ids=stale.filter(kind=ClockKind.REGISTRATION).values("feedback_id"),
                due_at=schedule["due_at"],
            )
            changed += stale.update(**schedule)
    CalendarRevision.objects.filter(pk=CalendarRevision.SINGLETON, token=calendar.revision).update(
        recomputed_token=calendar.revision
    )
    return changed


def clocks_recompute_if_stale() -> int:
    """The catch-up for a recomputation that was never enqueued (the broker was down when the calendar changed)."""
    from workcalendar.models import CalendarRevision

    row = (
        CalendarRevision.objects.filter(pk=CalendarRevision.SINGLETON)
        .values("token", "recomputed_token")
        .first()
    )
    if row is None or row["token"] == row["recomputed_token"]:
        return 0
    return clocks_recompute()


# --- the sweep --------------------------------------------------------------------------------------------------
@dataclass
class SweepResult:
    due_soon: int = 0
    overdue: int = 0
    notices: int = 0


def clocks_sweep(*, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH) -> SweepResult:
    """Find the clocks that crossed their deadline or warning point and have not been notified, and notify.
    Each batch claims its clocks (row locks, SKIP LOCKED; the notified mark is set in the same transaction that
    writes the notices), so two sweeps at once, or a task retried after a worker died, never notify twice."""
    now = now or timezone.now()
    result = SweepResult()
    for phase in ("overdue", "due_soon"):
        while True:
            claimed, notices = _sweep_batch(phase=phase, now=now, batch_size=batch_size)
            setattr(result, phase, getattr(result, phase) + claimed)
            result.notices += notices
            if claimed < batch_size:
                break
    return result


def _sweep_batch(*, phase: str, now: dt.datetime, batch_size: int) -> tuple[int, int]:
    from notifications.services import notify_bulk

    pending = SlaClock.objects.filter(outcome=Outcome.RUNNING, paused_at__isnull=True)
    if phase == "overdue":
        pending = pending.filter(overdue_notified_at__isnull=True, due_at__lte=now - GRACE).order_by("due_at")
    else:
        # A clock already past its deadline gets the overdue notice only (the overdue phase runs first).
        pending = pending.filter(
            warn_notified_at__isnull=True, warn_at__lte=now, due_at__gt=now - GRACE
        ).order_by("warn_at")
    with transaction.atomic():
        ids = list(pending.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return 0, 0
        if phase == "overdue":
            SlaClock.objects.filter(pk__in=ids).update(
                overdue_notified_at=now, warn_notified_at=Coalesce("warn_notified_at", now)
            )
        else:
            SlaClock.objects.filter(pk__in=ids).update(warn_notified_at=now)
        clocks = list(
            SlaClock.objects.filter(pk__in=ids)
            .select_related("feedback__cs_owner", "feedback__quality_owner", "measure__owner")
            .order_by("id")
        )
        written = notify_bulk(ports.subject().deadline_notices(clocks, phase=phase), now=now)
    return len(ids), written
