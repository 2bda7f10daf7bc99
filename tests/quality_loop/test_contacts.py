"""The communication log and the satisfaction callback."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from core.errors import DomainError
from feedback.models import Callback, CallbackAttempt, CommunicationLog, Satisfaction
from notifications.models import Notification
from quality_loop import contacts
from sla.models import ClockKind, Outcome, SlaClock
from tests.factories.capa import Loop
from workcalendar.calendar import is_working_day

pytestmark = pytest.mark.django_db
NO_ANSWER, CALL_LATER, REACHED = (
    CallbackAttempt.Outcome.NO_ANSWER,
    CallbackAttempt.Outcome.CALL_LATER,
    CallbackAttempt.Outcome.REACHED,
)


@pytest.fixture
def loop(users, departments):
    return Loop(users, departments)


@pytest.fixture
def handled(loop):
    """The short-term measure is done: the customer's problem is handled, the callback is open."""
    loop.to_capa_in_progress()
    loop.complete(loop.short)
    return loop


def past_days(*, working: bool, count: int) -> list[dt.date]:
    """The last ``count`` days before today that are (not) working days, oldest first."""
    found, day = [], timezone.localdate()
    while len(found) < count:
        day -= dt.timedelta(days=1)
        if is_working_day(day) == working:
            found.append(day)
    return sorted(found)


def at_ten(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone())


def reopen_callback_at(loop, moment):
    Callback.objects.filter(feedback=loop.feedback).update(opened_at=moment)


# --- the communication log ---------------------------------------------------------------------------------------
def test_customer_service_logs_a_contact(loop):
    log = contacts.contact_log_add(
        feedback=loop.feedback,
        actor=loop.agent,
        content="客户来电询问进度",
        method=CommunicationLog.Method.PHONE,
    )

    assert log.created_by == loop.agent
    assert list(loop.feedback.communications.all()) == [log]


@pytest.mark.parametrize("role", [Role.DEPT_MEMBER, Role.DEPT_HEAD, Role.MANAGEMENT, Role.ADMINISTRATOR])
def test_only_customer_service_or_quality_log_contacts(loop, users, role):
    with pytest.raises(DomainError, match="customer service or quality"):
        contacts.contact_log_add(feedback=loop.feedback, actor=users[role], content="x")


def test_an_empty_or_future_contact_is_refused(loop):
    with pytest.raises(DomainError, match="what was said"):
        contacts.contact_log_add(feedback=loop.feedback, actor=loop.agent, content="  ")
    with pytest.raises(DomainError, match="future"):
        contacts.contact_log_add(
            feedback=loop.feedback,
            actor=loop.agent,
            content="x",
            contacted_at=timezone.now() + dt.timedelta(hours=2),
        )


# --- the callback ------------------------------------------------------------------------------------------------------
def test_a_callback_before_the_problem_is_handled_is_refused_naming_why(loop):
    loop.to_capa_in_progress()

    with pytest.raises(
        DomainError, match="not handled yet: the satisfaction callback opens when every short-term"
    ):
        loop.callback()

    assert not CallbackAttempt.objects.exists()


def test_the_callback_opens_when_the_problem_is_handled_and_tells_the_owner(handled):
    callback = handled.feedback.callback

    assert callback.state == Callback.State.OPEN
    assert callback.opened_at == handled.feedback.handled_at
    assert Notification.objects.filter(recipient=handled.agent, kind="callback_due").exists()
    assert SlaClock.objects.get(feedback=handled.feedback, kind=ClockKind.CALLBACK).outcome == Outcome.RUNNING


def test_attempts_are_kept_and_the_reaching_one_records_the_satisfaction(handled):
    handled.callback(NO_ANSWER)
    handled.callback(CALL_LATER)

    attempt = handled.callback(REACHED, Satisfaction.BASIC)

    callback = Callback.objects.get(feedback=handled.feedback)
    assert callback.state == Callback.State.DONE
    assert callback.satisfaction == Satisfaction.BASIC
    assert attempt.satisfaction == Satisfaction.BASIC
    assert list(callback.attempts.values_list("outcome", flat=True)) == ["no_answer", "call_later", "reached"]
    assert SlaClock.objects.get(feedback=handled.feedback, kind=ClockKind.CALLBACK).outcome == Outcome.MET
    with pytest.raises(DomainError, match="already recorded"):
        handled.callback(REACHED)


def test_reaching_the_customer_needs_the_satisfaction_and_only_then(handled):
    with pytest.raises(DomainError, match="Record the customer's satisfaction"):
        contacts.callback_attempt_record(feedback=handled.feedback, actor=handled.agent, outcome=REACHED)
    with pytest.raises(DomainError, match="only when the customer was reached"):
        contacts.callback_attempt_record(
            feedback=handled.feedback,
            actor=handled.agent,
            outcome=NO_ANSWER,
            satisfaction=Satisfaction.SATISFIED,
        )


def test_unsatisfied_alerts_quality(handled):
    handled.callback(REACHED, Satisfaction.UNSATISFIED)

    alert = Notification.objects.get(recipient=handled.qe, kind="unsatisfied")
    assert alert.feedback == handled.feedback


@pytest.mark.parametrize("role", [Role.QUALITY_ENGINEER, Role.DEPT_MEMBER, Role.MANAGEMENT])
def test_only_customer_service_calls_back(handled, users, role):
    with pytest.raises(DomainError, match="Only customer service"):
        contacts.callback_attempt_record(
            feedback=handled.feedback, actor=users[role], outcome=REACHED, satisfaction=Satisfaction.SATISFIED
        )


def test_three_failed_attempts_on_one_day_do_not_make_a_customer_unreachable(handled):
    (day,) = past_days(working=True, count=1)
    reopen_callback_at(handled, at_ten(day) - dt.timedelta(hours=1))
    for minutes in (0, 60, 120):
        handled.callback(NO_ANSWER, at=at_ten(day) + dt.timedelta(minutes=minutes))

    with pytest.raises(DomainError, match="fall on 1 working days"):
        contacts.callback_close_unreachable(feedback=handled.feedback, actor=handled.agent)


def test_attempts_on_days_off_do_not_count_as_working_days(handled):
    days_off = past_days(working=False, count=2)
    (workday,) = past_days(working=True, count=1)
    reopen_callback_at(handled, at_ten(min(*days_off, workday)) - dt.timedelta(hours=1))
    for day in (*days_off, workday):
        handled.callback(NO_ANSWER, at=at_ten(day))

    with pytest.raises(DomainError, match="fall on 1 working days"):
        contacts.callback_close_unreachable(feedback=handled.feedback, actor=handled.agent)


def test_two_attempts_are_not_enough(handled):
    days = past_days(working=True, count=2)
    reopen_callback_at(handled, at_ten(days[0]) - dt.timedelta(hours=1))
    for day in days:
        handled.callback(CALL_LATER, at=at_ten(day))

    with pytest.raises(DomainError, match="2 failed attempts so far; at least 3"):
        contacts.callback_close_unreachable(feedback=handled.feedback, actor=handled.agent)


def test_three_failed_attempts_over_three_working_days_close_the_callback_as_unreachable(handled):
    days = past_days(working=True, count=3)
    reopen_callback_at(handled, at_ten(days[0]) - dt.timedelta(hours=1))
    for day, outcome in zip(days, (NO_ANSWER, CALL_LATER, NO_ANSWER), strict=True):
        handled.callback(outcome, at=at_ten(day))

    callback = contacts.callback_close_unreachable(
        feedback=handled.feedback, actor=handled.agent, note="三次未接通"
    )

    assert callback.state == Callback.State.UNREACHABLE
    assert callback.attempts.count() == 3  # the evidence stays
    handled.complete(handled.long)
    handled.verify_effect()
    handled.close()  # an unreachable callback counts as recorded
    assert handled.feedback.status == "closed"


def test_an_attempt_before_the_callback_opened_is_refused(handled):
    with pytest.raises(DomainError, match="before the callback was opened"):
        handled.callback(NO_ANSWER, at=handled.feedback.handled_at - dt.timedelta(days=1))
