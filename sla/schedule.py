"""How a clock's times are computed (every working-day deadline goes through workcalendar.calendar):

* working-day clocks (registration, verification, CAPA form, effect verification, callback): due at the end
  (23:59:59 Asia/Shanghai) of the N-th working day after the start's date; "due soon" when N × (1 − warn%)
  working days are left (each working day counting its 24 hours): 1 day → noon of the due day, 2 days → the start
  of the second day, 3 days → noon of the second day, 5 days → noon of the third day.
* the Ⅲ emergency clock: due 24 hours (calendar time) after grading, due soon 4 hours before (settings).
* a measure clock: due at the end of the measure's planned date; due soon at warn% of the calendar time between
  planning and that end.

Every working-day clock with the same schedule key (anchor date, working days, length, warning share) has the same
schedule: the recomputation after a calendar change (sla.recompute) computes each key once."""

from __future__ import annotations

import datetime as dt

from workcalendar.calendar import WorkCalendar, end_of_day, get_calendar, local_date

from .models import ClockKind, SlaClock, SlaSetting

ScheduleKey = tuple[dt.date, int, int | None, int]  # anchor_date, anchor_days, length_days, warn_percent
SCHEDULE_KEY_FIELDS = ("anchor_date", "anchor_days", "length_days", "warn_percent")
SCHEDULE_FIELDS = ("due_at", "warn_at", "provisional", "basis")


def working_schedule(calendar: WorkCalendar, key: ScheduleKey) -> dict:
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


def key_filter(key: ScheduleKey) -> dict:
    return dict(zip(SCHEDULE_KEY_FIELDS, key, strict=True))


def apply_working_schedule(clock: SlaClock, calendar: WorkCalendar) -> None:
    key = tuple(getattr(clock, name) for name in SCHEDULE_KEY_FIELDS)
    for name, value in working_schedule(calendar, key).items():
        setattr(clock, name, value)


def schedule_new(clock: SlaClock, setting: SlaSetting) -> None:
    start = clock.started_at
    clock.warn_percent = setting.warn_percent
    if clock.kind == ClockKind.MEASURE:
        schedule_measure(clock)
    elif setting.length_working_days:
        clock.length_days = setting.length_working_days
        clock.anchor_date = local_date(start)
        clock.anchor_days = setting.length_working_days
        apply_working_schedule(clock, get_calendar())
    else:
        hours = setting.length_hours or 24
        clock.length_hours = hours
        clock.due_at = start + dt.timedelta(hours=hours)
        if setting.warn_hours_before is not None:
            clock.warn_at = max(start, clock.due_at - dt.timedelta(hours=setting.warn_hours_before))
        else:
            clock.warn_at = start + dt.timedelta(hours=hours) * setting.warn_percent / 100
        clock.basis = {}


def schedule_measure(clock: SlaClock) -> None:
    """Due at the end of the measure's planned date, due soon at ``warn_percent`` of the time from the start."""
    clock.due_at = end_of_day(clock.measure.planned_date)
    span = max(clock.due_at - clock.started_at, dt.timedelta(0))
    clock.warn_at = clock.started_at + span * clock.warn_percent / 100
    clock.basis = {}
