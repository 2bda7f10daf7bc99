"""The admin pages of the calendar and the deadline settings: changes go through the services."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.roles import Role
from sla.models import ClockKind, SlaSetting
from sla.services import clock_start
from tests.factories import PASSWORD, FeedbackFactory, UserFactory
from workcalendar.calendar import CHINA
from workcalendar.models import CalendarDay

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    user = UserFactory(role=Role.ADMINISTRATOR, is_staff=True)
    client.login(username=user.username, password=PASSWORD)
    return user


def test_an_override_added_in_the_admin_recomputes_running_deadlines(
    client, administrator, django_capture_on_commit_callbacks
):
    feedback = FeedbackFactory(feedback_time=dt.datetime(2024, 5, 17, 14, 30, tzinfo=CHINA))
    clock = clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:workcalendar_calendarday_add"),
            {"date": "2024-05-20", "is_working": "", "name": "停电", "note": "检修"},
        )

    assert response.status_code == 302
    day = CalendarDay.objects.get()
    assert (day.is_working, day.updated_by) == (False, administrator)
    assert day.history.first().history_user == administrator
    clock.refresh_from_db()
    assert clock.due_at == dt.datetime(2024, 5, 21, 23, 59, 59, tzinfo=CHINA)


def test_an_administrator_changes_a_deadline_length_in_the_admin(client, administrator):
    setting = SlaSetting.objects.get_or_create(
        kind=ClockKind.VERIFICATION, defaults={"length_working_days": 2}
    )[0]

    response = client.post(
        reverse("admin:sla_slasetting_change", args=[setting.pk]),
        {"length_working_days": "4", "length_hours": "", "warn_percent": "75", "warn_hours_before": ""},
    )

    assert response.status_code == 302
    setting.refresh_from_db()
    assert (setting.length_working_days, setting.warn_percent) == (4, 75)
    assert client.get(reverse("admin:sla_slasetting_changelist")).status_code == 200


def test_a_length_in_both_days_and_hours_is_refused(client, administrator):
    setting = SlaSetting.objects.get_or_create(
        kind=ClockKind.VERIFICATION, defaults={"length_working_days": 2}
    )[0]

    response = client.post(
        reverse("admin:sla_slasetting_change", args=[setting.pk]),
        {"length_working_days": "2", "length_hours": "24", "warn_percent": "50", "warn_hours_before": ""},
    )

    assert response.status_code == 200
    setting.refresh_from_db()
    assert setting.length_hours is None


def test_other_roles_cannot_open_the_calendar_admin(client):
    user = UserFactory(role=Role.QUALITY_ENGINEER, is_staff=True)
    client.login(username=user.username, password=PASSWORD)

    assert client.get(reverse("admin:workcalendar_calendarday_changelist")).status_code == 403
    assert client.get(reverse("admin:sla_slasetting_changelist")).status_code == 403
