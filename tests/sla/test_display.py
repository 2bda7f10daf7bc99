"""What people see of deadlines: badges in the list, the table on the detail page."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from sla.models import ClockKind, ClockState
from sla.selectors import clocks_by_feedback, clocks_for
from sla.services import clock_start, clock_stop, clocks_pause
from tests.factories import FeedbackFactory
from workcalendar.calendar import CHINA

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


def test_the_list_gets_every_feedback_s_running_clocks_in_one_query(django_assert_num_queries):
    now = timezone.now()
    overdue, due_soon, on_time = FeedbackFactory(), FeedbackFactory(), FeedbackFactory()
    clock_start(feedback=overdue, kind=ClockKind.CAPA_FORM, start=now - dt.timedelta(days=30))
    clock_start(feedback=due_soon, kind=ClockKind.EMERGENCY, start=now - dt.timedelta(hours=21))
    clock_start(feedback=on_time, kind=ClockKind.EMERGENCY, start=now)
    stopped = FeedbackFactory()
    clock_start(feedback=stopped, kind=ClockKind.VERIFICATION, start=now)
    clock_stop(feedback=stopped, kind=ClockKind.VERIFICATION, at=now)

    with django_assert_num_queries(1):
        clocks = clocks_by_feedback([overdue.pk, due_soon.pk, on_time.pk, stopped.pk])
        states = {pk: [clock.state for clock in found] for pk, found in clocks.items()}

    assert states == {
        overdue.pk: [ClockState.OVERDUE],
        due_soon.pk: [ClockState.DUE_SOON],
        on_time.pk: [ClockState.ON_TIME],
    }


def test_badges_show_kind_state_and_provisional_mark():
    feedback = FeedbackFactory()
    clock_start(feedback=feedback, kind=ClockKind.CAPA_FORM, start=timezone.now() - dt.timedelta(days=30))
    clocks = clocks_by_feedback([feedback.pk])[feedback.pk]

    with translation.override("en"):
        html = render_to_string("sla/badges.html", {"clocks": clocks})

    assert 'class="badge badge-sla-overdue' in html
    assert "CAPA form · Overdue" in html


def test_the_clock_table_shows_which_calendar_days_a_deadline_was_computed_from():
    feedback = FeedbackFactory()
    clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=at(2025, 9, 30, 10, 0))
    clock_stop(feedback=feedback, kind=ClockKind.REGISTRATION, at=at(2025, 10, 9, 17, 0))
    clock_start(feedback=feedback, kind=ClockKind.CAPA_FORM, start=at(2026, 12, 30, 10, 0))

    with translation.override("zh-hans"):
        html = render_to_string("sla/clock_table.html", {"clocks": clocks_for(feedback)})

    assert "2025-10-09 23:59:59" in html
    assert "2025-10-01" in html and "国庆节" in html
    assert 'data-testid="sla-provisional"' in html
    assert "2027" in html
    assert "badge-sla-met" in html


def test_a_paused_clock_shows_as_paused_with_the_days_left():
    feedback = FeedbackFactory()
    clock_start(feedback=feedback, kind=ClockKind.CALLBACK, start=timezone.now())
    clocks_pause(feedback=feedback)

    with translation.override("en"):
        html = render_to_string("sla/badges.html", {"clocks": clocks_by_feedback([feedback.pk])[feedback.pk]})

    assert 'data-sla-state="paused"' in html
    assert "working days left" in html or "working day left" in html


def test_one_badge_per_clock_when_included_per_clock_or_for_a_list():
    feedback = FeedbackFactory()
    clock_start(feedback=feedback, kind=ClockKind.CAPA_FORM, start=timezone.now())
    clock_start(feedback=feedback, kind=ClockKind.EMERGENCY, start=timezone.now())
    clocks = clocks_by_feedback([feedback.pk])[feedback.pk]

    whole = render_to_string("sla/badges.html", {"clocks": clocks})
    one_by_one = "".join(render_to_string("sla/badges.html", {"clocks": clocks, "clock": c}) for c in clocks)

    assert whole.count('data-testid="sla-badge"') == 2
    assert one_by_one.count('data-testid="sla-badge"') == 2
