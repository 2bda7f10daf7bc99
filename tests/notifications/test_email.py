"""E-mail notices: in working time at once, otherwise the next working morning; level Ⅲ at once day or night;
never twice; never lost when the broker is down."""

import datetime as dt
import logging
import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from accounts.roles import Role
from feedback.models import Severity
from notifications.models import Notification
from notifications.services import EMAIL_MAX_ATTEMPTS, email_outbox_flush, notify
from sla.models import ClockKind
from sla.services import clock_start, clocks_sweep
from tests.factories import FeedbackFactory, UserFactory
from workcalendar.calendar import CHINA

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


def test_a_notice_in_working_time_is_emailed_at_once(settings):
    user = UserFactory(role=Role.QUALITY_ENGINEER, email="qe@example.com")

    notify(recipients=[user], kind="test", subject="质量问题", now=at(2025, 9, 30, 10, 0))

    assert Notification.objects.get().email_due_at == at(2025, 9, 30, 10, 0)
    assert email_outbox_flush(now=at(2025, 9, 30, 10, 0)) == 1
    assert mail.outbox[0].to == ["qe@example.com"]
    assert mail.outbox[0].subject == "质量问题"


def test_an_evening_notice_waits_for_the_next_working_morning_but_shows_in_the_app_at_once():
    # given the owner of a registration clock that turns overdue at midnight before a make-up Saturday
    agent = UserFactory(role=Role.CS_AGENT, email="agent@example.com")
    feedback = FeedbackFactory(registered_by=agent, cs_owner=agent, feedback_time=at(2025, 10, 9, 14, 0))
    clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)

    # when the sweep runs just after the deadline (Saturday 00:01)
    clocks_sweep(now=at(2025, 10, 11, 0, 1))

    # then the notice is in the app at once, and its e-mail waits for 08:30 on Saturday 11 October (a make-up day)
    notice = Notification.objects.get(recipient=agent)
    assert notice.read_at is None
    assert notice.email_due_at == at(2025, 10, 11, 8, 30)
    assert email_outbox_flush(now=at(2025, 10, 11, 3, 0)) == 0
    assert mail.outbox == []
    assert email_outbox_flush(now=at(2025, 10, 11, 8, 31)) == 1
    assert mail.outbox[0].to == ["agent@example.com"]
    assert feedback.number in mail.outbox[0].subject


def test_a_friday_night_notice_before_a_holiday_waits_until_after_the_holiday():
    user = UserFactory(role=Role.CS_AGENT)

    notify(recipients=[user], kind="test", subject="回访", now=at(2025, 9, 30, 18, 30))

    assert Notification.objects.get().email_due_at == at(2025, 10, 9, 8, 30)


def test_a_level_three_notice_is_emailed_at_once_in_the_middle_of_a_holiday_night(
    django_capture_on_commit_callbacks,
):
    # given management, and a Ⅲ emergency clock that turns overdue at 03:00 on National Day
    UserFactory(role=Role.MANAGEMENT, email="boss@example.com")
    qe = UserFactory(role=Role.QUALITY_ENGINEER, email="qe@example.com")
    feedback = FeedbackFactory(severity=Severity.URGENT, quality_owner=qe)
    clock_start(feedback=feedback, kind=ClockKind.EMERGENCY, start=at(2025, 9, 30, 3, 0))

    # when the sweep finds it (the nudge after commit runs the outbox flush: tasks are eager in tests)
    with django_capture_on_commit_callbacks(execute=True):
        clocks_sweep(now=at(2025, 10, 1, 3, 1))

    # then both got the mail at once, marked urgent
    assert sorted(message.to[0] for message in mail.outbox) == ["boss@example.com", "qe@example.com"]
    assert all(message.subject.startswith("[紧急]") for message in mail.outbox)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_user_without_an_email_address_gets_the_notice_in_the_app_only():
    user = UserFactory(role=Role.CS_AGENT, email="")

    notify(recipients=[user], kind="test", subject="x", now=at(2025, 9, 30, 10, 0))

    assert Notification.objects.get().email_due_at is None
    assert email_outbox_flush(now=at(2025, 9, 30, 11, 0)) == 0


def test_the_same_notice_is_created_once_per_person_and_inactive_people_are_skipped():
    user = UserFactory(role=Role.CS_AGENT)
    gone = UserFactory(role=Role.CS_AGENT, is_active=False)

    for _ in range(3):
        notify(recipients=[user, user, gone, None], kind="test", subject="x", dedup_key="event-1")

    assert list(Notification.objects.values_list("recipient", flat=True)) == [user.pk]


def test_a_failed_mail_is_retried_later_and_not_marked_sent(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingBackend"
    user = UserFactory(role=Role.CS_AGENT)
    notify(recipients=[user], kind="test", subject="x", now=at(2025, 9, 30, 10, 0))

    assert email_outbox_flush(now=at(2025, 9, 30, 10, 0)) == 0

    notice = Notification.objects.get()
    assert notice.emailed_at is None
    assert notice.email_attempts == 1
    assert "refused" in notice.email_error
    assert notice.email_due_at > at(2025, 9, 30, 10, 0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_outbox_flush(now=at(2025, 9, 30, 11, 0)) == 1


def test_a_mail_refused_at_every_attempt_is_given_up_and_leaves_the_outbox(settings):
    # given a mail server that refuses everything, and a notice due now
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingBackend"
    user = UserFactory(role=Role.CS_AGENT)
    notify(recipients=[user], kind="test", subject="x", now=at(2025, 9, 30, 10, 0))

    # when the flush runs every hour for a day
    for hour in range(24):
        email_outbox_flush(now=at(2025, 9, 30, 10, 0) + dt.timedelta(hours=hour))

    # then it was tried EMAIL_MAX_ATTEMPTS times, then given up: no e-mail is due any more, the error is kept
    notice = Notification.objects.get()
    assert notice.email_attempts == EMAIL_MAX_ATTEMPTS
    assert notice.email_due_at is None
    assert notice.emailed_at is None
    assert "refused" in notice.email_error

    # and a working mail server later does not send it
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_outbox_flush(now=at(2025, 10, 9, 10, 0)) == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_flushers_at_once_never_send_the_same_mail_twice():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need row locks (PostgreSQL)")
    # given 40 e-mails produced on a Friday evening, due on Monday morning
    users = [UserFactory(role=Role.CS_AGENT) for _ in range(40)]
    notify(recipients=users, kind="test", subject="x", now=at(2024, 5, 17, 20, 0))
    assert set(Notification.objects.values_list("email_due_at", flat=True)) == {at(2024, 5, 20, 8, 30)}
    barrier = threading.Barrier(2)
    sent, errors = [], []

    def flush():
        try:
            barrier.wait()
            sent.append(email_outbox_flush(now=at(2024, 5, 20, 8, 31), batch_size=5))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    # when two flushers run at the same moment
    threads = [threading.Thread(target=flush) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # then each mail went exactly once
    assert errors == []
    assert sum(sent) == 40
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in users)


def test_with_the_broker_down_the_save_succeeds_and_the_periodic_flush_sends_the_mail(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    # given the broker is unreachable (a closed port) and tasks really go through it
    boss = UserFactory(role=Role.MANAGEMENT, email="boss@example.com")

    # when a Ⅲ feedback is saved with its clock and its urgent notice, in one transaction
    with (
        caplog.at_level(logging.ERROR),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        feedback = FeedbackFactory(severity=Severity.URGENT)
        clock_start(feedback=feedback, kind=ClockKind.EMERGENCY)
        notify(recipients=[boss], kind="emergency", subject="Ⅲ", feedback=feedback, urgent=True)

    # then everything is saved, the failed publish is logged, nothing was mailed yet
    assert feedback.sla_clocks.count() == 1
    assert Notification.objects.filter(recipient=boss, feedback=feedback).exists()
    assert "periodic flush will send the mail" in caplog.text
    assert mail.outbox == []

    # and the periodic flush (beat, once the broker is back) sends it
    assert email_outbox_flush() == 1
    assert mail.outbox[0].to == ["boss@example.com"]
