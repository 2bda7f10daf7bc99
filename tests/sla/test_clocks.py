"""SLA clocks: starting, stopping, waiting periods, lengths from the settings, the states people see."""

import datetime as dt
import importlib

import pytest

from accounts.roles import Role
from feedback.models import Feedback, Pause, Severity
from sla.models import DEFAULT_LENGTHS, ClockKind, ClockState, Outcome, SlaClock, SlaSetting
from sla.services import (
    clock_start,
    clock_stop,
    clock_stop_all,
    clocks_pause,
    clocks_resume,
    measure_clocks_replan,
)
from tests.factories import FeedbackFactory, UserFactory
from tests.factories.sla import MeasureFactory
from workcalendar.calendar import CHINA

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


def test_registration_clock_is_due_at_the_end_of_the_next_working_day_and_sets_the_feedback_due_time():
    # given a feedback received on Friday 10 May 2024 (the next day, Saturday, was a make-up working day)
    feedback = FeedbackFactory(feedback_time=at(2024, 5, 10, 14, 30))

    # when its registration clock starts
    clock = clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)

    # then it is due at the end of that Saturday, warns at noon, and the feedback knows its due time
    assert clock.due_at == at(2024, 5, 11, 23, 59, 59)
    assert clock.warn_at == at(2024, 5, 11, 12, 0)
    assert clock.provisional is False
    assert clock.basis["days"] == [
        {
            "date": "2024-05-11",
            "working": True,
            "name": "劳动节",
            "name_en": "Labour Day",
            "source": "official",
        }
    ]
    feedback.refresh_from_db()
    assert feedback.registration_due_at == at(2024, 5, 11, 23, 59, 59)


def test_starting_a_running_clock_again_returns_it_unchanged():
    feedback = FeedbackFactory(feedback_time=at(2024, 5, 17, 14, 30))
    first = clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)

    again = clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=at(2024, 5, 20, 9, 0))

    assert again.pk == first.pk
    assert again.due_at == at(2024, 5, 20, 23, 59, 59)
    assert SlaClock.objects.filter(feedback=feedback).count() == 1


def test_a_clock_stopped_by_its_deadline_is_met_and_after_it_missed():
    on_time = FeedbackFactory(feedback_time=at(2024, 5, 17, 14, 30))
    late = FeedbackFactory(feedback_time=at(2024, 5, 17, 14, 30))
    for feedback in (on_time, late):
        clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)

    met = clock_stop(feedback=on_time, kind=ClockKind.REGISTRATION, at=at(2024, 5, 20, 23, 59, 59))
    missed = clock_stop(feedback=late, kind=ClockKind.REGISTRATION, at=at(2024, 5, 21, 0, 0, 1))

    assert (met.outcome, met.state) == (Outcome.MET, ClockState.MET)
    assert (missed.outcome, missed.state) == (Outcome.MISSED, ClockState.MISSED)


def test_stopping_a_clock_that_is_not_running_does_nothing():
    feedback = FeedbackFactory()

    assert clock_stop(feedback=feedback, kind=ClockKind.VERIFICATION) is None


def test_registration_stops_and_verification_starts_for_two_working_days():
    feedback = FeedbackFactory(feedback_time=at(2025, 9, 26, 10, 0))
    clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)

    clock_stop(feedback=feedback, kind=ClockKind.REGISTRATION, at=at(2025, 9, 26, 11, 0))
    verification = clock_start(feedback=feedback, kind=ClockKind.VERIFICATION, start=at(2025, 9, 26, 11, 0))

    # Friday 26 Sep → Sunday 28 Sep is a make-up working day, then Monday 29
    assert verification.due_at == at(2025, 9, 29, 23, 59, 59)
    # two working days: due soon from the start of the second one
    assert verification.warn_at == at(2025, 9, 29, 0, 0)


def test_the_emergency_clock_runs_24_hours_of_calendar_time_and_warns_4_hours_before():
    feedback = FeedbackFactory(severity=Severity.URGENT)

    clock = clock_start(feedback=feedback, kind=ClockKind.EMERGENCY, start=at(2025, 9, 30, 20, 0))

    assert clock.due_at == at(2025, 10, 1, 20, 0)  # National Day does not matter
    assert clock.warn_at == at(2025, 10, 1, 16, 0)


def test_an_administrator_changes_a_length_and_new_clocks_follow_it():
    SlaSetting.objects.update_or_create(kind=ClockKind.CAPA_FORM, defaults={"length_working_days": 5})
    feedback = FeedbackFactory()

    clock = clock_start(feedback=feedback, kind=ClockKind.CAPA_FORM, start=at(2024, 5, 13, 9, 0))

    assert clock.due_at == at(2024, 5, 20, 23, 59, 59)


def test_default_lengths_are_the_domain_table():
    seeded = importlib.import_module("sla.migrations.0002_seed_settings").DEFAULTS
    lengths = {
        kind: (SlaSetting.for_kind(kind).length_working_days, SlaSetting.for_kind(kind).length_hours)
        for kind in ClockKind.values
    }
    assert lengths == {
        "registration": (1, None),
        "verification": (2, None),
        "emergency": (None, 24),
        "capa_form": (3, None),
        "measure": (None, None),
        "effect_verification": (5, None),
        "callback": (3, None),
    }
    assert seeded == DEFAULT_LENGTHS
    assert SlaSetting.for_kind(ClockKind.EMERGENCY).warn_hours_before == 4


def test_a_measure_clock_is_due_at_the_end_of_its_planned_date():
    measure = MeasureFactory(planned_date=dt.date(2025, 10, 20))
    feedback = FeedbackFactory()

    clock = clock_start(
        feedback=feedback, kind=ClockKind.MEASURE, start=at(2025, 10, 10, 12, 0), measure=measure
    )

    assert clock.due_at == at(2025, 10, 20, 23, 59, 59)
    assert clock.measure == measure
    # a second measure of the same feedback has its own clock
    other = MeasureFactory(capa=measure.capa, planned_date=dt.date(2025, 11, 3))
    second = clock_start(
        feedback=feedback, kind=ClockKind.MEASURE, start=at(2025, 10, 10, 12, 0), measure=other
    )
    assert second.pk != clock.pk

    # and re-planning moves the deadline
    measure.planned_date = dt.date(2025, 10, 31)
    measure.save()
    measure_clocks_replan(measure=measure, at=at(2025, 10, 12, 9, 0))
    clock.refresh_from_db()
    assert clock.due_at == at(2025, 10, 31, 23, 59, 59)


def test_states_on_time_due_soon_overdue():
    feedback = FeedbackFactory(feedback_time=at(2024, 5, 17, 14, 30))
    clock = clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)

    assert clock.state_at(at(2024, 5, 20, 11, 59)) == ClockState.ON_TIME
    assert clock.state_at(at(2024, 5, 20, 12, 0)) == ClockState.DUE_SOON
    assert clock.state_at(at(2024, 5, 20, 23, 59, 59)) == ClockState.DUE_SOON
    assert clock.state_at(at(2024, 5, 21, 0, 0)) == ClockState.OVERDUE


def test_a_waiting_period_stops_working_day_clocks_and_gives_back_the_days_left():
    # given a CAPA-form clock due Monday 20 May 2024 and a Ⅲ emergency clock
    feedback = FeedbackFactory(severity=Severity.URGENT)
    capa = clock_start(feedback=feedback, kind=ClockKind.CAPA_FORM, start=at(2024, 5, 15, 9, 0))
    emergency = clock_start(feedback=feedback, kind=ClockKind.EMERGENCY, start=at(2024, 5, 17, 9, 0))
    assert capa.due_at == at(2024, 5, 20, 23, 59, 59)

    # when the feedback waits for the customer from Friday 10:00 to the next Wednesday 09:00
    clocks_pause(feedback=feedback, at=at(2024, 5, 17, 10, 0))
    capa.refresh_from_db()
    assert capa.state == ClockState.PAUSED
    assert capa.remaining_days == 2  # the rest of Friday, and Monday
    clocks_resume(feedback=feedback, at=at(2024, 5, 22, 9, 0))

    # then the CAPA clock counts Wednesday and Thursday, and the emergency clock did not stop
    capa.refresh_from_db()
    emergency.refresh_from_db()
    assert capa.due_at == at(2024, 5, 23, 23, 59, 59)
    assert capa.paused_at is None
    assert emergency.due_at == at(2024, 5, 18, 9, 0)


def test_a_pause_on_a_weekend_costs_no_working_day():
    feedback = FeedbackFactory()
    clock = clock_start(feedback=feedback, kind=ClockKind.VERIFICATION, start=at(2024, 5, 16, 9, 0))
    assert clock.due_at == at(2024, 5, 20, 23, 59, 59)

    clocks_pause(feedback=feedback, at=at(2024, 5, 18, 10, 0))
    clocks_resume(feedback=feedback, at=at(2024, 5, 19, 16, 0))

    clock.refresh_from_db()
    assert clock.due_at == at(2024, 5, 20, 23, 59, 59)


def test_resuming_a_registration_clock_keeps_the_feedback_due_time_in_step():
    feedback = FeedbackFactory(feedback_time=at(2024, 5, 17, 14, 30))
    clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)

    clocks_pause(feedback=feedback, at=at(2024, 5, 17, 15, 0))
    clocks_resume(feedback=feedback, at=at(2024, 5, 21, 9, 0))

    feedback.refresh_from_db()
    assert feedback.registration_due_at == at(2024, 5, 22, 23, 59, 59)


def test_a_clock_started_during_a_waiting_period_starts_paused():
    feedback = FeedbackFactory()
    Pause.objects.create(
        feedback=feedback,
        reason=Pause.Reason.WAITING_CUSTOMER,
        started_at=at(2024, 5, 13, 9, 0),
        started_by=UserFactory(role=Role.CS_AGENT),
    )

    clock = clock_start(feedback=feedback, kind=ClockKind.CALLBACK, start=at(2024, 5, 13, 10, 0))

    assert clock.state == ClockState.PAUSED


def test_stop_all_on_close_and_cancel_on_void():
    closing, voiding = FeedbackFactory(), FeedbackFactory()
    for feedback in (closing, voiding):
        clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=at(2024, 5, 17, 9, 0))
        clock_start(feedback=feedback, kind=ClockKind.EMERGENCY, start=at(2024, 5, 17, 9, 0))

    clock_stop_all(feedback=closing, at=at(2024, 5, 17, 12, 0))
    clock_stop_all(feedback=voiding, at=at(2024, 5, 17, 12, 0), cancel=True)

    assert set(closing.sla_clocks.values_list("outcome", flat=True)) == {Outcome.MET}
    assert set(voiding.sla_clocks.values_list("outcome", flat=True)) == {Outcome.CANCELLED}
    assert not SlaClock.objects.filter(outcome=Outcome.RUNNING).exists()


def test_a_clock_can_run_again_after_it_stopped():
    feedback = FeedbackFactory()
    first = clock_start(feedback=feedback, kind=ClockKind.CAPA_FORM, start=at(2024, 5, 13, 9, 0))
    clock_stop(feedback=feedback, kind=ClockKind.CAPA_FORM, at=at(2024, 5, 14, 9, 0))

    second = clock_start(feedback=feedback, kind=ClockKind.CAPA_FORM, start=at(2024, 5, 20, 9, 0))

    assert second.pk != first.pk
    assert Feedback.objects.get(pk=feedback.pk).sla_clocks.count() == 2
