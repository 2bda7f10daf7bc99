"""A real Celery worker (tests/fixtures/services.py): the sweep and the e-mail outbox run through the broker in
another process, and their effect shows in the database."""

import datetime as dt

import pytest
from celery.result import EagerResult

from accounts.roles import Role
from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import flush_email_outbox
from sla.models import ClockKind, SlaClock
from sla.services import clock_start
from sla.tasks import sweep_clocks
from tests.factories import FeedbackFactory, UserFactory
from workcalendar.calendar import CHINA

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_sweep_and_the_email_outbox_run_in_a_real_worker(celery_worker):
    # given an overdue registration clock (received in 2024, never registered)
    agent = UserFactory(role=Role.CS_AGENT, email="agent@example.com")
    supervisor = UserFactory(role=Role.CS_SUPERVISOR, email="supervisor@example.com")
    feedback = FeedbackFactory(registered_by=agent, cs_owner=agent)
    start = dt.datetime(2024, 5, 17, 14, 30, tzinfo=CHINA)
    clock = clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=start)

    # when the sweep is sent through the broker
    result = sweep_clocks.apply_async()

    # then the worker notifies the owner and the supervisor, and marks the clock notified
    assert not isinstance(result, EagerResult)
    celery_worker.wait_for(
        lambda: Notification.objects.filter(kind="sla.overdue", feedback=feedback).count() == 2, timeout=30
    )
    assert set(Notification.objects.values_list("recipient", flat=True)) == {agent.pk, supervisor.pk}
    assert SlaClock.objects.get(pk=clock.pk).overdue_notified_at is not None

    # and an urgent notice's e-mail is sent by the worker (the on-commit nudge, and a flush sent explicitly)
    notify(recipients=[supervisor], kind="emergency", subject="Ⅲ 漏电", feedback=feedback, urgent=True)
    flush_email_outbox.apply_async()
    urgent = Notification.objects.get(kind="emergency")
    celery_worker.wait_for(lambda: Notification.objects.get(pk=urgent.pk).emailed_at is not None, timeout=30)
    assert Notification.objects.get(pk=urgent.pk).email_attempts == 1
    assert "notifications.tasks.flush_email_outbox" in celery_worker.log()
    assert "sla.tasks.sweep_clocks" in celery_worker.log()
