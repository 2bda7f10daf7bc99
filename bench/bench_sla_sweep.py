"""The SLA sweep and the recomputation after a calendar change, at ``BENCH_SCALE`` open feedbacks (100,000 by
default; ``BENCH_SCALE=1000000`` for a million), each with one running working-day clock, 100 of them due.

The sweep must cost what the due clocks cost (partial indexes on running, unnotified clocks), not what the open
feedbacks cost. The recomputation is compared with its floor measured in the same run: a plain UPDATE of the same
rows. The running clocks are of every working-day kind, as in a tracker at work: registration clocks (whose
deadline the feedback row repeats) run only for drafts, 5 % of them; the worst case, every running clock a
registration clock, is measured once besides. Before each timed recomputation the tables are vacuumed, as
autovacuum would have done between two calendar changes (the bench server runs without it)."""

import datetime as dt
import json
import os
import random
import statistics

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from bench.harness import Result, measure
from feedback.models import Feedback, Status
from notifications.models import Notification
from sla.models import ClockKind, Outcome, SlaClock
from sla.services import clocks_recompute, clocks_sweep
from workcalendar.calendar import CHINA, load_calendar
from workcalendar.models import CalendarDay, CalendarRevision

OPEN = int(os.environ.get("BENCH_SCALE", "100000"))
DUE = 100
# The recomputation rewrites every running clock: above this scale it is not timed (its goal is set at 100,000).
RECOMPUTE_UP_TO = int(os.environ.get("BENCH_SLA_RECOMPUTE_UP_TO", "200000"))
ANCHOR_DAYS = (
    90  # anchors spread over 90 days, the last 30 after today (some deadlines counted into next year)
)
# feedback id % 20 → kind and working days: 5 % registration (drafts), the rest spread over the other steps
KINDS_SQL = """CASE WHEN f.id %% 20 = 0 THEN 'registration' WHEN f.id %% 20 < 5 THEN 'verification'
    WHEN f.id %% 20 < 10 THEN 'capa_form' WHEN f.id %% 20 < 14 THEN 'effect_verification' ELSE 'callback' END"""
DAYS_SQL = """CASE WHEN f.id %% 20 = 0 THEN 1 WHEN f.id %% 20 < 5 THEN 2
    WHEN f.id %% 20 < 10 THEN 3 WHEN f.id %% 20 < 14 THEN 5 ELSE 3 END"""


def _user(username: str, role: str) -> User:
    from django.contrib.auth.models import Group

    user = User.objects.create(username=username, name=username, email=f"{username}@example.com")
    user.groups.add(Group.objects.get(name=role))
    return user


def _copy_rows(model, template_pk: int, count: int, overrides: dict[str, str]) -> None:
    """``count`` copies of one row in one INSERT … SELECT generate_series (columns taken from the model, so the
    bench follows schema changes); ``overrides`` are SQL expressions over the series value ``g``."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    names = ", ".join(f'"{column}"' for column in columns)
    select = ", ".join(overrides.get(column, f't."{column}"') for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ({names}) SELECT {select} FROM "{table}" t, generate_series(1, %s) g '
            "WHERE t.id = %s",
            [count, template_pk],
        )


def build() -> dict:
    agent = _user("bench_agent", Role.CS_AGENT)
    _user("bench_supervisor", Role.CS_SUPERVISOR)
    now = timezone.now()
    template = Feedback.objects.create(
        number="PB0000000",
        status=Status.REGISTERED,
        customer_name="客户",
        registered_by=agent,
        cs_owner=agent,
        feedback_time=now,
        registered_at=now,
        registration_due_at=now + dt.timedelta(days=3),
    )
    _copy_rows(Feedback, template.pk, OPEN - 1, {"number": "'PB' || lpad(g::text, 7, '0')"})
    assert Feedback.objects.count() == OPEN

    # one running working-day clock per feedback: the first 100 registration clocks overdue, the rest due in the
    # future (the recomputation gives them their real times)
    far, past = now + dt.timedelta(days=30), dt.datetime(2024, 5, 20, 23, 59, 59, tzinfo=CHINA)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO sla_slaclock (feedback_id, kind, started_at, due_at, warn_at, outcome, length_days,
                warn_percent, anchor_date, anchor_days, provisional, basis, created_at)
            SELECT f.id, CASE WHEN f.id <= %(first)s + %(due)s THEN 'registration' ELSE {KINDS_SQL} END, %(now)s,
                   CASE WHEN f.id <= %(first)s + %(due)s THEN %(past)s ELSE %(far)s END,
                   CASE WHEN f.id <= %(first)s + %(due)s THEN %(past)s ELSE %(far)s END,
                   %(running)s,
                   CASE WHEN f.id <= %(first)s + %(due)s THEN 1 ELSE {DAYS_SQL} END,
                   50, %(today)s - (f.id %% %(spread)s)::int + 30,
                   CASE WHEN f.id <= %(first)s + %(due)s THEN 1 ELSE {DAYS_SQL} END,
                   false, '{{}}'::jsonb, %(now)s
            FROM feedback_feedback f
            """,
            {
                "first": template.pk - 1,
                "now": now,
                "due": DUE,
                "past": past,
                "far": far,
                "running": Outcome.RUNNING,
                "today": timezone.localdate(),
                "spread": ANCHOR_DAYS,
            },
        )
        cursor.execute("ANALYZE feedback_feedback; ANALYZE sla_slaclock; ANALYZE notifications_notification")
    return {"agent": agent}


def _plan() -> str:
    now = timezone.now()
    query = (
        SlaClock.objects.filter(
            outcome=Outcome.RUNNING, paused_at__isnull=True, overdue_notified_at__isnull=True, due_at__lte=now
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:200]
    )
    return query.explain()


def _vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sla_slaclock")
        cursor.execute("VACUUM ANALYZE feedback_feedback")


def _make_every_deadline_stale() -> None:
    """Every running deadline (and the feedback rows' registration deadline) off by 400 days, then vacuumed."""
    later = timezone.now() + dt.timedelta(days=400)
    SlaClock.objects.filter(outcome=Outcome.RUNNING).update(due_at=later)
    with connection.cursor() as cursor:
        # the feedback trigger's plans, cached for this session's small updates, would join 100,000 rows pair by
        # pair (README: the recompute's figures): planned afresh for this one
        cursor.execute("DISCARD PLANS")
    Feedback.objects.filter(
        pk__in=SlaClock.objects.filter(kind=ClockKind.REGISTRATION, outcome=Outcome.RUNNING).values(
            "feedback_id"
        )
    ).update(registration_due_at=later)
    _vacuum()


def _floor() -> None:
    """The writes a full recomputation cannot avoid, as plain UPDATEs: every running clock's deadline, and the
    registration deadline of the feedbacks whose registration clock runs."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_slaclock SET due_at = due_at - interval '400 days' "
            "WHERE outcome = 'running' AND paused_at IS NULL AND anchor_date IS NOT NULL"
        )
        cursor.execute(
            "UPDATE feedback_feedback f SET registration_due_at = c.due_at FROM sla_slaclock c "
            "WHERE c.feedback_id = f.id AND c.kind = 'registration' AND c.outcome = 'running'"
        )


# Before sla 0006 / 0007 a running clock had two more index entries: the report index on due times held the
# running clocks too, and (feedback, kind) had an index of its own besides the unique running-clock one (whose
# role sla_one_running_clock plays). Copies of the two put them back, for before / after figures in one run (same
# load) and the WAL records per moved clock.
_OLD_INDEXES = {
    "bench_old_due_report": "(due_at, kind, outcome, paused_at, feedback_id)",
    "bench_old_feedback_kind": "(feedback_id, kind)",
}


def _old_indexes(present: bool) -> None:
    with connection.cursor() as cursor:
        for name, columns in _OLD_INDEXES.items():
            if present:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON sla_slaclock {columns}")
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")


def _stale_with_old_index() -> None:
    _old_indexes(True)
    _make_every_deadline_stale()


def _wal_records_per_clock() -> float:
    """WAL records the floor's clock UPDATE writes per moved clock (a heap record + one per index entry), rolled
    back."""
    _make_every_deadline_stale()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, WAL, FORMAT JSON) UPDATE sla_slaclock SET due_at = due_at - interval '400 days' "
            "WHERE outcome = 'running' AND paused_at IS NULL AND anchor_date IS NOT NULL"
        )
        plan = cursor.fetchone()[0]
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
        transaction.set_rollback(True)
    return plan["WAL Records"] / OPEN


def _backend_times() -> tuple[float, float]:
    """Seconds the database backend of this connection has spent on a CPU and waiting for one (its run queue),
    from /proc/<pid>/schedstat (the bench server runs on this machine; NaN elsewhere): what a statement costs, and
    what the machine's load adds."""
    pid = connection.connection.info.backend_pid  # psycopg 3: no query, so none counted in the figures
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            on_cpu, waiting = stat.read().split()[:2]
    except OSError:
        return float("nan"), float("nan")
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def _with_cpu(fn, into: list[tuple[float, float]]):
    """``fn``, appending the backend's (CPU, run-queue) seconds of each call to ``into`` (medians in the note)."""

    def run() -> None:
        before = _backend_times()
        fn()
        after = _backend_times()
        into.append((after[0] - before[0], after[1] - before[1]))

    return run


def _cpu_note(times: list[tuple[float, float]]) -> str:
    on_cpu = statistics.median(t[0] for t in times)
    waiting = statistics.median(t[1] for t in times)
    return f"database on a CPU {on_cpu:.2f} s, waiting for one {waiting:.2f} s"


def _check_sample(size: int = 500) -> int:
    """A sample of running clocks holds exactly what the pure working-day functions give for its anchor, on a
    calendar freshly loaded from the database; a registration clock's feedback repeats its deadline."""
    calendar = load_calendar()
    ids = list(SlaClock.objects.filter(outcome=Outcome.RUNNING).values_list("pk", flat=True))
    sample = SlaClock.objects.filter(pk__in=random.Random(10).sample(ids, min(size, len(ids))))
    checked = 0
    for clock in sample.select_related("feedback"):
        deadline = calendar.deadline_after_date(clock.anchor_date, clock.anchor_days)
        warn = calendar.working_time_before(
            deadline.due, clock.length_days * (100 - clock.warn_percent) / 100
        )
        assert clock.due_at == deadline.due, (clock.pk, clock.due_at, deadline.due)
        assert clock.warn_at == warn, (clock.pk, clock.warn_at, warn)
        assert clock.provisional == deadline.provisional, clock.pk
        assert clock.basis == deadline.basis_json(), clock.pk
        if clock.kind == ClockKind.REGISTRATION:
            assert clock.feedback.registration_due_at == clock.due_at, clock.pk
        checked += 1
    return checked


def run() -> list[Result]:
    build()
    assert SlaClock.objects.filter(outcome=Outcome.RUNNING).count() == OPEN
    scale = f"{OPEN:,}"

    def reset() -> None:
        Notification.objects.all().delete()
        SlaClock.objects.filter(overdue_notified_at__isnull=False).update(
            overdue_notified_at=None, warn_notified_at=None
        )

    sweep = measure(
        f"sla: sweep, 100 of {scale} open feedbacks due",
        clocks_sweep,
        size=f"{scale} open feedbacks / {DUE} due",
        setup=reset,
        note="notices: owner + supervisor per clock",
    )
    assert SlaClock.objects.filter(overdue_notified_at__isnull=False).count() == DUE
    assert Notification.objects.count() == 2 * DUE, Notification.objects.count()

    idle = measure(
        f"sla: sweep, nothing due ({scale} running)",
        clocks_sweep,
        size=f"{scale} open feedbacks / 0 due",
    )
    assert Notification.objects.count() == 2 * DUE  # nothing sent twice

    plan = _plan()
    print("  plan of the claim query:\n    " + plan.replace("\n", "\n    "), flush=True)
    assert "sla_clock_due_pending" in plan, plan
    if OPEN > RECOMPUTE_UP_TO:
        print(f"  (recomputation not timed above {RECOMPUTE_UP_TO:,} clocks)", flush=True)
        return [sweep, idle]
    return [sweep, idle, *_recompute_results(scale)]


def _recompute_results(scale: str) -> list[Result]:
    size = f"{scale} running clocks, {ANCHOR_DAYS} anchor days"
    registrations = SlaClock.objects.filter(kind=ClockKind.REGISTRATION, outcome=Outcome.RUNNING).count()
    clocks_recompute()  # the real times, from the anchors
    _old_indexes(True)
    wal_before = _wal_records_per_clock()
    cpu: dict[str, list[tuple[float, float]]] = {
        "floor_before": [],
        "recompute_before": [],
        "floor": [],
        "recompute": [],
    }
    floor_before = measure(
        f"sla: floor, before sla 0006/0007 (old indexes): plain UPDATE of {scale} clocks",
        _with_cpu(_floor, cpu["floor_before"]),
        size=size,
        setup=_stale_with_old_index,
        repeat=3,
    )
    recompute_before = measure(
        f"sla: recompute, before sla 0006/0007 (old indexes), {scale} running",
        _with_cpu(clocks_recompute, cpu["recompute_before"]),
        size=size,
        setup=_stale_with_old_index,
        repeat=3,
    )
    _old_indexes(False)
    wal_after = _wal_records_per_clock()
    floor_before.note = f"{wal_before:.2f} WAL records per moved clock; {_cpu_note(cpu['floor_before'])}"
    recompute_before.note = f"{recompute_before.median_s / floor_before.median_s:.2f}× its floor; {_cpu_note(cpu['recompute_before'])}"
    floor = measure(
        f"sla: floor of a full recompute: plain UPDATE of {scale} clocks + {registrations:,} feedbacks",
        _with_cpu(_floor, cpu["floor"]),
        size=size,
        setup=_make_every_deadline_stale,
        repeat=3,
    )
    # a calendar change: every running clock is recomputed (one UPDATE … FROM (VALUES …) for all the keys)
    recompute = measure(
        f"sla: recompute after a calendar change ({scale} running, {registrations:,} registration)",
        _with_cpu(clocks_recompute, cpu["recompute"]),
        size=size,
        setup=_make_every_deadline_stale,
        repeat=3,
    )
    assert not SlaClock.objects.filter(due_at__gt=timezone.now() + dt.timedelta(days=300)).exists()
    checked = _check_sample()
    recompute.note = (
        f"{recompute.median_s / floor.median_s:.2f}× the floor; {checked} sampled clocks = pure function; "
        f"{_cpu_note(cpu['recompute'])}"
    )
    floor.note = f"{wal_after:.2f} WAL records per moved clock; {_cpu_note(cpu['floor'])}"

    # the usual case: one day overridden; only the clocks whose count runs through that day change
    day = timezone.localdate() - dt.timedelta(days=20)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)

    def consistent_then_override() -> None:
        CalendarDay.objects.all().delete()
        CalendarRevision.bump()
        clocks_recompute()
        CalendarDay.objects.create(date=day, is_working=False, name="bench")
        CalendarRevision.bump()
        _vacuum()

    one_day = measure(
        f"sla: recompute after one day's override ({scale} running)",
        clocks_recompute,
        size=size,
        setup=consistent_then_override,
        repeat=3,
    )
    moved = SlaClock.objects.filter(
        basis__days__contains=[{"date": day.isoformat(), "source": "override"}]
    ).count()
    assert moved > 0, "the override moved no deadline"
    _check_sample()
    one_day.note = f"{moved:,} clocks moved"

    # the worst case: every running clock a registration clock, every feedback row rewritten too (once)
    CalendarDay.objects.all().delete()
    CalendarRevision.bump()
    SlaClock.objects.filter(outcome=Outcome.RUNNING).update(
        kind=ClockKind.REGISTRATION, length_days=1, anchor_days=1
    )
    clocks_recompute()
    worst = measure(
        f"sla: recompute, every one of {scale} running clocks a registration clock",
        clocks_recompute,
        size=f"{scale} running clocks and feedback rows",
        setup=_make_every_deadline_stale,
        repeat=1,
    )
    worst.note = f"{_check_sample()} sampled clocks = pure function"
    return [floor_before, recompute_before, floor, recompute, one_day, worst]
