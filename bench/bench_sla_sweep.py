"""The SLA sweep: 100,000 open feedbacks with running clocks, of which 100 are due. The sweep must cost what the
due clocks cost (partial indexes on running, unnotified clocks), not what the open feedbacks cost."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from bench.harness import Result, measure
from feedback.models import Feedback, Status
from notifications.models import Notification
from sla.models import ClockKind, Outcome, SlaClock
from sla.services import clocks_recompute, clocks_sweep
from workcalendar.calendar import CHINA
from workcalendar.models import CalendarDay, CalendarRevision

OPEN = 100_000
DUE = 100


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

    # one running registration clock per feedback: 100 of them overdue, the rest due in the future (their
    # anchors spread over 60 days, as a calendar recomputation meets them)
    far, past = now + dt.timedelta(days=30), dt.datetime(2024, 5, 20, 23, 59, 59, tzinfo=CHINA)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO sla_slaclock (feedback_id, kind, started_at, due_at, warn_at, outcome, length_days,
                warn_percent, anchor_date, anchor_days, provisional, basis, created_at)
            SELECT f.id, %(kind)s, %(now)s,
                   CASE WHEN row_number() OVER (ORDER BY f.id) <= %(due)s THEN %(past)s ELSE %(far)s END,
                   CASE WHEN row_number() OVER (ORDER BY f.id) <= %(due)s THEN %(past)s ELSE %(far)s END,
                   %(running)s, 1, 50, %(today)s - (f.id %% 60)::int, 1, false, '{}'::jsonb, %(now)s
            FROM feedback_feedback f
            """,
            {
                "kind": ClockKind.REGISTRATION,
                "now": now,
                "due": DUE,
                "past": past,
                "far": far,
                "running": Outcome.RUNNING,
                "today": timezone.localdate(),
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


def run() -> list[Result]:
    build()
    assert SlaClock.objects.filter(outcome=Outcome.RUNNING).count() == OPEN

    def reset() -> None:
        Notification.objects.all().delete()
        SlaClock.objects.filter(overdue_notified_at__isnull=False).update(
            overdue_notified_at=None, warn_notified_at=None
        )

    sweep = measure(
        "sla: sweep, 100 of 100,000 open feedbacks due",
        clocks_sweep,
        size=f"{OPEN:,} open feedbacks / {DUE} due",
        setup=reset,
        note="notices: owner + supervisor per clock",
    )
    assert SlaClock.objects.filter(overdue_notified_at__isnull=False).count() == DUE
    assert Notification.objects.count() == 2 * DUE, Notification.objects.count()

    idle = measure(
        "sla: sweep, nothing due (100,000 running)",
        clocks_sweep,
        size=f"{OPEN:,} open feedbacks / 0 due",
    )
    assert Notification.objects.count() == 2 * DUE  # nothing sent twice

    plan = _plan()
    print("  plan of the claim query:\n    " + plan.replace("\n", "\n    "), flush=True)
    assert "sla_clock_due_pending" in plan, plan

    # a calendar change: every running clock is recomputed (grouped by anchor, one UPDATE per group)
    def stale() -> None:
        SlaClock.objects.update(due_at=timezone.now() + dt.timedelta(days=400))

    recompute = measure(
        "sla: recompute after a calendar change (100,000 running)",
        clocks_recompute,
        size=f"{OPEN:,} running clocks, 60 anchor days",
        setup=stale,
        repeat=3,
    )
    assert not SlaClock.objects.filter(due_at__gt=timezone.now() + dt.timedelta(days=300)).exists()

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

    one_day = measure(
        "sla: recompute after one day's override (100,000 running)",
        clocks_recompute,
        size=f"{OPEN:,} running clocks, 60 anchor days",
        setup=consistent_then_override,
        repeat=3,
    )
    moved = SlaClock.objects.filter(
        basis__days__contains=[{"date": day.isoformat(), "source": "override"}]
    ).count()
    assert moved > 0, "the override moved no deadline"
    one_day.note = f"{moved:,} clocks moved"
    return [sweep, idle, recompute, one_day]
