"""Recomputing the running deadlines after a calendar change: every clock ends up where the pure working-day
functions put it, on PostgreSQL's set-based path and on the portable one, in a few statements."""

import datetime as dt

import pytest
from django.db import connection

from accounts.roles import Role
from feedback.models import Feedback
from sla import recompute
from sla.models import ClockKind, Outcome, SlaClock
from sla.services import clock_start, clock_stop, clocks_pause, clocks_recompute
from tests.factories import FeedbackFactory, UserFactory
from workcalendar.calendar import CHINA, get_calendar, load_calendar
from workcalendar.services import calendar_day_set

pytestmark = pytest.mark.django_db

KINDS = [
    ClockKind.REGISTRATION,
    ClockKind.VERIFICATION,
    ClockKind.CAPA_FORM,
    ClockKind.EFFECT_VERIFICATION,
    ClockKind.CALLBACK,
]


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


@pytest.fixture
def admin_user():
    return UserFactory(role=Role.ADMINISTRATOR)


@pytest.fixture
def clocks():
    """Clocks of every working-day kind started on 12 days around 20 May 2024, one feedback per start day, plus a
    clock already stopped and a paused one (neither moves)."""
    made = []
    for n in range(12):
        start = at(2024, 5, 9, 10, 0) + dt.timedelta(days=n)
        feedback = FeedbackFactory(feedback_time=start)
        for kind in KINDS[: 1 + n % len(KINDS)]:
            made.append(clock_start(feedback=feedback, kind=kind, start=start))
    stopped_feedback = FeedbackFactory(feedback_time=at(2024, 5, 17, 9, 0))
    clock_start(feedback=stopped_feedback, kind=ClockKind.VERIFICATION, start=at(2024, 5, 17, 9, 0))
    stopped = clock_stop(feedback=stopped_feedback, kind=ClockKind.VERIFICATION, at=at(2024, 5, 17, 11, 0))
    paused_feedback = FeedbackFactory(feedback_time=at(2024, 5, 16, 9, 0))
    clock_start(feedback=paused_feedback, kind=ClockKind.CAPA_FORM, start=at(2024, 5, 16, 9, 0))
    (paused,) = clocks_pause(feedback=paused_feedback, at=at(2024, 5, 16, 10, 0))
    return {"running": made, "stopped": stopped, "paused": paused}


def _expected(clock: SlaClock) -> dict:
    calendar = load_calendar()
    deadline = calendar.deadline_after_date(clock.anchor_date, clock.anchor_days)
    return {
        "due_at": deadline.due,
        "warn_at": calendar.working_time_before(
            deadline.due, clock.length_days * (100 - clock.warn_percent) / 100
        ),
        "provisional": deadline.provisional,
        "basis": deadline.basis_json(),
    }


def _held(clock: SlaClock) -> dict:
    clock.refresh_from_db()
    return {name: getattr(clock, name) for name in ("due_at", "warn_at", "provisional", "basis")}


def _assert_follow_the_calendar(clocks) -> None:
    for clock in clocks["running"]:
        assert _held(clock) == _expected(clock), (clock.kind, clock.anchor_date)
        if clock.kind == ClockKind.REGISTRATION:
            assert Feedback.objects.get(pk=clock.feedback_id).registration_due_at == clock.due_at


@pytest.mark.parametrize("path", ["set_based", "by_key"])
def test_every_running_clock_follows_two_overrides_and_the_feedback_its_registration_clock(
    path, clocks, admin_user, monkeypatch
):
    if path == "set_based" and connection.vendor != "postgresql":
        pytest.skip("the set-based path is PostgreSQL's")
    if path == "by_key":
        monkeypatch.setattr(recompute, "_recompute_set_based", recompute._recompute_by_key)
    stopped_before, paused_before = _held(clocks["stopped"]), _held(clocks["paused"])

    # when Monday 20 May is declared not worked and Saturday 25 May worked (their recomputation not run yet)
    calendar_day_set(date=dt.date(2024, 5, 20), is_working=False, name="停电检修", actor=admin_user)
    calendar_day_set(date=dt.date(2024, 5, 25), is_working=True, name="补班", actor=admin_user)
    changed = clocks_recompute()

    # then every running clock holds what the working-day functions give, the others are untouched
    assert changed > 0
    _assert_follow_the_calendar(clocks)
    assert _held(clocks["stopped"]) == stopped_before
    assert _held(clocks["paused"]) == paused_before
    assert clocks_recompute() == 0

    # and the registration clock of 17 May (due Monday 20th) moved to Tuesday, with the override in its basis
    friday = next(
        c
        for c in clocks["running"]
        if c.kind == ClockKind.REGISTRATION and c.anchor_date == dt.date(2024, 5, 17)
    )
    assert friday.due_at == at(2024, 5, 21, 23, 59, 59)
    assert {"date": "2024-05-20", "source": "override"}.items() <= friday.basis["days"][0].items()


def test_both_paths_write_the_same_values(clocks, admin_user):
    calendar_day_set(date=dt.date(2024, 5, 21), is_working=False, name="停电", actor=admin_user)
    recompute._recompute_by_key(get_calendar(refresh=True))
    by_key = {clock.pk: _held(clock) for clock in clocks["running"]}

    if connection.vendor == "postgresql":
        SlaClock.objects.filter(outcome=Outcome.RUNNING).update(due_at=at(2030, 1, 1), basis={})
        Feedback.objects.update(registration_due_at=at(2030, 1, 1))
        recompute._recompute_set_based(get_calendar(refresh=True))
        assert {clock.pk: _held(clock) for clock in clocks["running"]} == by_key
    _assert_follow_the_calendar(clocks)


def test_a_full_recomputation_takes_a_handful_of_statements_whatever_the_number_of_start_days(
    clocks, admin_user, django_assert_max_num_queries
):
    if connection.vendor != "postgresql":
        pytest.skip("the portable path writes one UPDATE per key")
    SlaClock.objects.filter(outcome=Outcome.RUNNING).update(due_at=at(2030, 1, 1))
    Feedback.objects.update(registration_due_at=at(2030, 1, 1))

    # calendar (3) + keys + BEGIN + lock + UPDATE + feedbacks + COMMIT + revision
    with django_assert_max_num_queries(10):
        changed = clocks_recompute()

    assert changed == len(clocks["running"])
    _assert_follow_the_calendar(clocks)


def test_keys_are_written_in_batches(clocks, admin_user, monkeypatch):
    monkeypatch.setattr(recompute, "KEY_BATCH", 2)
    monkeypatch.setattr(recompute, "FEEDBACK_CHUNK", 1)
    SlaClock.objects.filter(outcome=Outcome.RUNNING).update(due_at=at(2030, 1, 1))
    Feedback.objects.update(registration_due_at=at(2030, 1, 1))

    assert clocks_recompute() == len(clocks["running"])

    _assert_follow_the_calendar(clocks)
