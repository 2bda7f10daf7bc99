"""The calendar changed: recompute the running working-day clocks (``clocks_recompute``).

Every running, unpaused working-day clock is due as its schedule key says (anchor date, working days, length,
warning share: sla.schedule), and all the clocks of one key share one schedule. So one read lists the distinct
keys (and whether registration clocks count by them), and each key's schedule is computed once, in Python, by the
pure working-day functions. Then, on PostgreSQL, per batch of keys and in one transaction (a handful of statements
whatever the number of clocks or keys):

1. when registration clocks count by these keys, lock the feedbacks whose registration clock will move (``FOR NO
   KEY UPDATE``, in id order): a transition locks a feedback and then its clocks, so the recomputation takes them
   in the same order;
2. one ``UPDATE … FROM (VALUES …)`` writes the clocks whose due / warning / provisional / basis differ from their
   key's new schedule (the others are not rewritten: a change to one day moves only the keys counting through it);
3. ``Feedback.registration_due_at`` follows the registration clock, through ``sla.ports`` as every other change of
   that deadline does (one UPDATE per few thousand feedbacks; the new value is read from the feedback's clock).

Other databases (SQLite, for the tests without PostgreSQL): the same result through the ORM, one UPDATE per key
that changed."""

from __future__ import annotations

import json

from django.db import connection, transaction
from django.db.models import Case, OuterRef, QuerySet, Subquery, When

from workcalendar.calendar import WorkCalendar, get_calendar

from . import ports
from .models import ClockKind, Outcome, SlaClock
from .schedule import SCHEDULE_FIELDS, SCHEDULE_KEY_FIELDS, ScheduleKey, key_filter, working_schedule

# Keys per UPDATE (8 parameters each) and feedbacks per registration-deadline UPDATE.
KEY_BATCH = 1000
FEEDBACK_CHUNK = 5000


def clocks_recompute() -> int:
    """Recompute due / warning / provisional / basis of every running working-day clock from the current calendar.
    Returns how many clocks changed."""
    from workcalendar.models import CalendarRevision

    calendar = get_calendar(refresh=True)
    if connection.vendor == "postgresql":
        changed = _recompute_set_based(calendar)
    else:
        changed = _recompute_by_key(calendar)
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


def _running() -> QuerySet[SlaClock]:
    """The clocks a calendar change moves: running, not paused, counted in working days."""
    return SlaClock.objects.filter(outcome=Outcome.RUNNING, paused_at__isnull=True, anchor_date__isnull=False)


def _registration_due_of_feedback() -> Subquery:
    """The due time of the feedback's running registration clock, evaluated per feedback row."""
    return Subquery(
        SlaClock.objects.filter(
            feedback=OuterRef("pk"),
            kind=ClockKind.REGISTRATION,
            outcome=Outcome.RUNNING,
            measure__isnull=True,
        )
        .order_by()
        .values("due_at")[:1]
    )


# --- PostgreSQL: one UPDATE … FROM (VALUES …) per batch of keys --------------------------------------------------
_VALUES_ROW = "(%s::date, %s::integer, %s::integer, %s::integer, %s::timestamptz, %s::timestamptz, %s::boolean, %s::jsonb)"
_STALE = """
    c.outcome = %s AND c.paused_at IS NULL AND c.anchor_date IS NOT NULL
    AND c.anchor_date = v.anchor_date AND c.anchor_days = v.anchor_days
    AND COALESCE(c.length_days, -1) = v.length_days AND c.warn_percent = v.warn_percent
    AND (c.due_at, c.warn_at, c.provisional, c.basis) IS DISTINCT FROM (v.due_at, v.warn_at, v.provisional, v.basis)
"""
_WITH_VALUES = (
    "WITH v (anchor_date, anchor_days, length_days, warn_percent, due_at, warn_at, provisional, basis) "
    "AS (VALUES {rows})"
)


def _recompute_set_based(calendar: WorkCalendar) -> int:
    # the keys, each with whether registration clocks count by it (no JSON read: grouping 100,000 bases by hashing
    # costs more than comparing them in the UPDATE)
    keys: dict[ScheduleKey, bool] = {}
    is_registration = Case(When(kind=ClockKind.REGISTRATION, then=True), default=False)
    for *key, registration in (
        _running()
        .order_by()
        .annotate(is_registration=is_registration)
        .values_list(*SCHEDULE_KEY_FIELDS, "is_registration")
        .distinct()
    ):
        keys[tuple(key)] = keys.get(tuple(key), False) or registration
    order = sorted(keys, key=lambda key: (key[0], key[1], key[2] or 0, key[3]))
    changed = 0
    for start in range(0, len(order), KEY_BATCH):
        batch = order[start : start + KEY_BATCH]
        changed += _write_batch(
            [(key, working_schedule(calendar, key)) for key in batch],
            registration=any(keys[key] for key in batch),
        )
    return changed


def _write_batch(rows: list[tuple[ScheduleKey, dict]], *, registration: bool) -> int:
    clocks = SlaClock._meta.db_table
    feedbacks = SlaClock._meta.get_field("feedback").related_model._meta.db_table
    values: list = []
    for (anchor_date, anchor_days, length_days, warn_percent), schedule in rows:
        values += [
            anchor_date,
            anchor_days,
            -1 if length_days is None else length_days,
            warn_percent,
            schedule["due_at"],
            schedule["warn_at"],
            schedule["provisional"],
            json.dumps(schedule["basis"], ensure_ascii=False),
        ]
    with_values = _WITH_VALUES.format(rows=", ".join([_VALUES_ROW] * len(rows)))
    registration_moves: list[int] = []
    with transaction.atomic(), connection.cursor() as cursor:
        if registration:
            cursor.execute(
                f"{with_values} SELECT f.id FROM {feedbacks} f WHERE f.id IN ("
                f"  SELECT c.feedback_id FROM {clocks} c JOIN v ON TRUE WHERE c.kind = %s AND {_STALE}"
                ") ORDER BY f.id FOR NO KEY UPDATE OF f",
                [*values, ClockKind.REGISTRATION, Outcome.RUNNING],
            )
            registration_moves = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"{with_values} UPDATE {clocks} c SET due_at = v.due_at, warn_at = v.warn_at, "
            f"provisional = v.provisional, basis = v.basis FROM v WHERE {_STALE}",
            [*values, Outcome.RUNNING],
        )
        changed = cursor.rowcount
        for start in range(0, len(registration_moves), FEEDBACK_CHUNK):
            ports.subject().registration_due_changed(
                feedback_ids=registration_moves[start : start + FEEDBACK_CHUNK],
                due_at=_registration_due_of_feedback(),
            )
    return changed


# --- any database: one UPDATE per key that changed ---------------------------------------------------------------
def _recompute_by_key(calendar: WorkCalendar) -> int:
    """One read lists each schedule key with the values its clocks hold now; each key's schedule is computed once,
    and only the keys whose clocks hold other values are written."""
    running = _running()
    held = (
        running.order_by(*SCHEDULE_KEY_FIELDS).values_list(*SCHEDULE_KEY_FIELDS, *SCHEDULE_FIELDS).distinct()
    )
    schedules: dict[ScheduleKey, dict] = {}
    stale_keys: dict[ScheduleKey, None] = {}  # in key order
    for row in held:
        key, values = row[:4], dict(zip(SCHEDULE_FIELDS, row[4:], strict=True))
        if key not in schedules:
            schedules[key] = working_schedule(calendar, key)
        if values != schedules[key]:
            stale_keys[key] = None
    changed = 0
    for key in stale_keys:
        schedule = schedules[key]
        stale = running.filter(**key_filter(key)).exclude(**schedule)
        # In one transaction, the feedbacks first, then the clocks: the order in which a transition locks them.
        with transaction.atomic():
            ports.subject().registration_due_changed(
                feedback_ids=stale.filter(kind=ClockKind.REGISTRATION).values("feedback_id"),
                due_at=schedule["due_at"],
            )
            changed += stale.update(**schedule)
    return changed
