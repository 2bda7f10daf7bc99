"""The working-day calendar: "the end of the Nth working day after a moment", exactly as DOMAIN.md defines it."""

import datetime as dt

import pytest

from workcalendar.calendar import CHINA, Source, WorkCalendar, end_of_nth_working_day

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


def test_friday_afternoon_plus_one_working_day_is_the_end_of_monday():
    deadline = end_of_nth_working_day(at(2024, 5, 17, 14, 30), 1)

    assert deadline.due == at(2024, 5, 20, 23, 59, 59)
    assert deadline.provisional is False


def test_friday_before_a_make_up_saturday_plus_one_is_that_saturday():
    # 2024-05-11 (Saturday) was worked to make up for the Labour Day holiday
    deadline = end_of_nth_working_day(at(2024, 5, 10, 14, 30), 1)

    assert deadline.due == at(2024, 5, 11, 23, 59, 59)
    assert [(d.date, d.is_working, d.source) for d in deadline.basis] == [
        (dt.date(2024, 5, 11), True, Source.OFFICIAL)
    ]


def test_the_day_before_national_day_plus_one_is_after_the_holiday():
    deadline = end_of_nth_working_day(at(2025, 9, 30, 10, 0), 1)

    assert deadline.due == at(2025, 10, 9, 23, 59, 59)
    holidays = [d.date for d in deadline.basis if not d.is_working]
    assert holidays == [dt.date(2025, 10, day) for day in range(1, 9)]
    assert {d.name for d in deadline.basis} <= {"国庆节", "中秋节"}


def test_saturday_11_october_2025_is_a_working_day():
    # given a moment on Friday 10 October 2025, then one working day later is Saturday the 11th
    deadline = end_of_nth_working_day(at(2025, 10, 10, 9, 0), 1)

    assert deadline.due == at(2025, 10, 11, 23, 59, 59)
    assert WorkCalendar().is_working(dt.date(2025, 10, 11)) is True
    assert WorkCalendar().is_working(dt.date(2025, 10, 12)) is False


def test_spring_festival_2026_is_skipped_and_its_make_up_saturdays_are_worked():
    # 2026: holidays 15–23 February, make-up working days Saturday 14 and Saturday 28 February
    assert end_of_nth_working_day(at(2026, 2, 13, 16, 0), 1).due == at(2026, 2, 14, 23, 59, 59)
    after = end_of_nth_working_day(at(2026, 2, 14, 11, 0), 1)
    assert after.due == at(2026, 2, 24, 23, 59, 59)
    assert [d.date for d in after.basis if not d.is_working] == [
        dt.date(2026, 2, day) for day in range(15, 24)
    ]
    assert all(d.name == "春节" and d.source == Source.OFFICIAL for d in after.basis)
    assert end_of_nth_working_day(at(2026, 2, 27, 9, 0), 1).due == at(2026, 2, 28, 23, 59, 59)


def test_a_deadline_running_into_2027_skips_new_year_and_is_provisional():
    # 2026-12-30 (Wednesday) + 3: Thursday 31 Dec, [Friday 1 Jan 2027: New Year, estimated], Monday 4, Tuesday 5
    deadline = end_of_nth_working_day(at(2026, 12, 30, 15, 0), 3)

    assert deadline.due == at(2027, 1, 5, 23, 59, 59)
    assert deadline.provisional is True
    assert deadline.estimated_years == (2027,)
    new_year = [d for d in deadline.basis if d.date == dt.date(2027, 1, 1)]
    assert len(new_year) == 1
    assert new_year[0].is_working is False
    assert new_year[0].source == Source.ESTIMATED


def test_a_deadline_inside_an_official_year_is_not_provisional():
    assert end_of_nth_working_day(at(2026, 12, 24, 15, 0), 3).provisional is False


def test_the_due_time_is_in_china_whatever_the_timezone_of_the_moment():
    # 2024-05-17 07:00 UTC is 15:00 in Shanghai, the same Friday
    moment = dt.datetime(2024, 5, 17, 7, 0, tzinfo=dt.UTC)
    assert end_of_nth_working_day(moment, 1).due == at(2024, 5, 20, 23, 59, 59)
    # 2024-05-17 17:00 UTC is already Saturday 01:00 in Shanghai: one working day after Saturday is Monday
    late = dt.datetime(2024, 5, 17, 17, 0, tzinfo=dt.UTC)
    assert end_of_nth_working_day(late, 1).due == at(2024, 5, 20, 23, 59, 59)


def test_warning_point_is_half_the_working_length():
    calendar = WorkCalendar()
    # one working day due Monday 20 May 2024: warn at noon of the Monday
    due = at(2024, 5, 20, 23, 59, 59)
    assert calendar.working_time_before(due, 0.5) == at(2024, 5, 20, 12, 0)
    # due Friday 10 October 2025: counting back skips the National Day holiday (1–8 October)
    due = at(2025, 10, 10, 23, 59, 59)
    assert calendar.working_time_before(due, 1) == at(2025, 10, 10, 0, 0)
    assert calendar.working_time_before(due, 1.5) == at(2025, 10, 9, 12, 0)
    assert calendar.working_time_before(due, 2.5) == at(2025, 9, 30, 12, 0)


def test_next_working_morning():
    calendar = WorkCalendar()
    start, end = dt.time(8, 30), dt.time(18, 0)
    # in working time: at once
    assert calendar.next_working_time(at(2025, 9, 30, 10, 0), start=start, end=end) == at(2025, 9, 30, 10, 0)
    # early morning of a working day: 08:30 the same day
    assert calendar.next_working_time(at(2025, 9, 29, 6, 0), start=start, end=end) == at(2025, 9, 29, 8, 30)
    # evening before National Day: the morning after the holiday
    assert calendar.next_working_time(at(2025, 9, 30, 19, 0), start=start, end=end) == at(2025, 10, 9, 8, 30)
    # Friday evening before a make-up Saturday: that Saturday
    assert calendar.next_working_time(at(2025, 10, 10, 20, 0), start=start, end=end) == at(
        2025, 10, 11, 8, 30
    )
