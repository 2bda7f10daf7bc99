"""Changing the calendar: overrides, a year entered by hand, and the deadlines that follow the change."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from notifications.calendar_notices import next_year_missing_notify
from notifications.models import Notification
from sla.models import ClockKind
from sla.services import clock_start, clocks_recompute, clocks_recompute_if_stale
from tests.factories import FeedbackFactory, UserFactory
from workcalendar.calendar import CHINA, Source, end_of_nth_working_day, get_calendar
from workcalendar.services import (
    HolidayRange,
    MakeUpDay,
    calendar_day_clear,
    calendar_day_set,
    calendar_year_enter,
)

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


@pytest.fixture
def admin_user():
    return UserFactory(role=Role.ADMINISTRATOR)


def test_an_override_changes_the_answer_and_recomputes_running_clocks(
    admin_user, django_capture_on_commit_callbacks
):
    # given a feedback received Friday 17 May 2024, registration due Monday the 20th, and one already registered
    running = FeedbackFactory(feedback_time=at(2024, 5, 17, 14, 30))
    clock = clock_start(feedback=running, kind=ClockKind.REGISTRATION, start=running.feedback_time)
    stopped = FeedbackFactory(feedback_time=at(2024, 5, 17, 14, 30))
    met = clock_start(feedback=stopped, kind=ClockKind.REGISTRATION, start=stopped.feedback_time)
    met.outcome, met.stopped_at = "met", at(2024, 5, 17, 15, 0)
    met.save()

    # when an administrator declares Monday 20 May not worked
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(
            date=dt.date(2024, 5, 20), is_working=False, name="停电检修", note="全厂停电", actor=admin_user
        )

    # then the answer moves to Tuesday, the running clock and the feedback follow, the stopped one does not
    assert end_of_nth_working_day(at(2024, 5, 17, 14, 30), 1).due == at(2024, 5, 21, 23, 59, 59)
    clock.refresh_from_db()
    running.refresh_from_db()
    met.refresh_from_db()
    assert clock.due_at == at(2024, 5, 21, 23, 59, 59)
    assert running.registration_due_at == at(2024, 5, 21, 23, 59, 59)
    assert {
        "date": "2024-05-20",
        "working": False,
        "name": "停电检修",
        "name_en": "停电检修",
        "source": "override",
    } in (clock.basis["days"])
    assert met.due_at == at(2024, 5, 20, 23, 59, 59)

    # and removing the override puts everything back
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_clear(date=dt.date(2024, 5, 20), actor=admin_user)
    clock.refresh_from_db()
    assert clock.due_at == at(2024, 5, 20, 23, 59, 59)


def test_an_override_rewrites_only_the_deadlines_that_count_through_that_day(
    admin_user, django_assert_max_num_queries
):
    # given ten feedbacks received on ten working days of May 2024, each with a running registration clock
    received = [
        day for day in (dt.date(2024, 5, 6) + dt.timedelta(days=n) for n in range(14)) if day.weekday() < 5
    ]
    clocks = {}
    for day in received[:10]:
        feedback = FeedbackFactory(feedback_time=at(day.year, day.month, day.day, 10, 0))
        clocks[day] = clock_start(
            feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time
        )
    before = {day: clock.due_at for day, clock in clocks.items()}

    # when Wednesday 15 May is declared not worked (its recomputation not run yet)
    calendar_day_set(date=dt.date(2024, 5, 15), is_working=False, name="停电检修", actor=admin_user)

    # then recomputing moves only the clock received the day before (due that Wednesday), in a few queries
    # whatever the number of anchor days (not a handful per anchor day)
    with django_assert_max_num_queries(10):
        changed = clocks_recompute()
    assert changed == 1
    for day, clock in clocks.items():
        clock.refresh_from_db()
        clock.feedback.refresh_from_db()
        if day == dt.date(2024, 5, 14):
            assert clock.due_at == at(2024, 5, 16, 23, 59, 59)
        else:
            assert clock.due_at == before[day], day
        assert clock.feedback.registration_due_at == clock.due_at
    assert clocks_recompute() == 0


def test_an_override_history_records_who_changed_it(admin_user):
    day = calendar_day_set(date=dt.date(2024, 5, 20), is_working=False, name="停电", actor=admin_user)

    assert day.history.first().history_user == admin_user
    assert day.updated_by == admin_user


def test_entering_2027_recomputes_provisional_deadlines_and_they_stop_being_provisional(
    admin_user, django_capture_on_commit_callbacks
):
    # given a clock counted into 2027 on the estimate
    feedback = FeedbackFactory(feedback_time=at(2026, 12, 30, 15, 0))
    clock = clock_start(feedback=feedback, kind=ClockKind.CAPA_FORM, start=at(2026, 12, 30, 15, 0))
    assert clock.provisional is True
    assert clock.due_at == at(2027, 1, 5, 23, 59, 59)

    # when the administrator enters 2027 as published (here: New Year 1–3 January, make-up day Sunday 4 January …)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_enter(
            year=2027,
            holidays=[
                HolidayRange(dt.date(2027, 1, 1), dt.date(2027, 1, 4), "元旦"),
                HolidayRange(dt.date(2027, 2, 5), dt.date(2027, 2, 13), "春节"),
            ],
            make_up_days=[MakeUpDay(dt.date(2027, 2, 14), "春节调休")],
            actor=admin_user,
        )

    # then the clock is recomputed from the entered year and is no longer provisional
    clock.refresh_from_db()
    assert clock.provisional is False
    assert clock.due_at == at(2027, 1, 6, 23, 59, 59)
    assert get_calendar().day(dt.date(2027, 1, 4)).source == Source.OVERRIDE
    assert get_calendar().is_working(dt.date(2027, 2, 14)) is True


def test_a_year_entry_with_mistakes_is_refused_with_every_mistake_named(admin_user):
    with pytest.raises(ValidationError) as refused:
        calendar_year_enter(
            year=2027,
            holidays=[
                HolidayRange(dt.date(2027, 2, 13), dt.date(2027, 2, 5), "春节"),
                HolidayRange(dt.date(2028, 1, 1), dt.date(2028, 1, 1), "元旦"),
            ],
            make_up_days=[MakeUpDay(dt.date(2027, 2, 10), "春节调休")],
            actor=admin_user,
        )

    messages = refused.value.messages
    assert len(messages) == 3
    assert not get_calendar().is_year_covered(2027)


def test_an_official_year_cannot_be_entered_again(admin_user):
    with pytest.raises(ValidationError):
        calendar_year_enter(
            year=2026,
            holidays=[HolidayRange(dt.date(2026, 1, 1), dt.date(2026, 1, 1), "元旦")],
            make_up_days=[],
            actor=admin_user,
        )


def test_a_recomputation_that_could_not_be_enqueued_is_caught_up_by_the_sweep(admin_user):
    # given a running clock and an override whose on-commit recomputation never ran (broker down)
    feedback = FeedbackFactory(feedback_time=at(2024, 5, 17, 14, 30))
    clock = clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)
    calendar_day_set(date=dt.date(2024, 5, 20), is_working=False, actor=admin_user)

    # when the sweep's catch-up runs
    changed = clocks_recompute_if_stale()

    # then the clock follows the calendar, once
    clock.refresh_from_db()
    assert changed == 1
    assert clock.due_at == at(2024, 5, 21, 23, 59, 59)
    assert clocks_recompute_if_stale() == 0


def test_in_december_administrators_are_told_once_that_next_year_is_missing(admin_user):
    other = UserFactory(role=Role.QUALITY_ENGINEER)

    next_year_missing_notify(dt.date(2026, 12, 1))
    next_year_missing_notify(dt.date(2026, 12, 2))

    notices = Notification.objects.filter(kind="calendar.next_year_missing")
    assert [n.recipient for n in notices] == [admin_user]
    assert "2027" in notices[0].subject["zh-hans"]
    assert not other.notifications.exists()


def test_no_warning_before_december_or_when_next_year_is_known(admin_user):
    assert next_year_missing_notify(dt.date(2026, 11, 30)) is None
    assert next_year_missing_notify(dt.date(2025, 12, 1)) is None  # 2026 is official
    assert not Notification.objects.exists()
