"""The calendar page, through HTTP: only administrators; a day override; a year entered by hand; the warning."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from sla.models import ClockKind
from sla.services import clock_start
from tests.factories import PASSWORD, FeedbackFactory, UserFactory
from workcalendar.calendar import CHINA, get_calendar
from workcalendar.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(role=Role.ADMINISTRATOR)
    client.login(username=user.username, password=PASSWORD)
    client.user = user
    return client


def test_the_calendar_page_needs_a_login(client):
    response = client.get(reverse("workcalendar:year"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize(
    "role", [Role.CS_AGENT, Role.CS_SUPERVISOR, Role.QUALITY_ENGINEER, Role.DEPT_HEAD, Role.MANAGEMENT]
)
def test_only_administrators_see_the_calendar_page(client, role):
    user = UserFactory(role=role)
    client.login(username=user.username, password=PASSWORD)

    for url in (
        reverse("workcalendar:year"),
        reverse("workcalendar:year_of", args=[2025]),
        reverse("workcalendar:day") + "?date=2025-10-11",
        reverse("workcalendar:enter_year", args=[2027]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("workcalendar:year_of", args=[2025]), {"date": "2025-10-13", "is_working": "0"}
        ).status_code
        == 404
    )
    assert not CalendarDay.objects.exists()


def test_2025_shows_national_day_and_the_make_up_saturday(admin_client):
    response = admin_client.get(reverse("workcalendar:year_of", args=[2025]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-date="2025-10-01" data-kind="holiday" data-source="official"' in html
    assert 'data-date="2025-10-11" data-kind="makeup" data-source="official"' in html
    assert 'data-date="2025-10-13" data-kind="workday" data-source="regular"' in html
    assert "国庆节" in html


def test_2026_shows_spring_festival(admin_client):
    html = admin_client.get(reverse("workcalendar:year_of", args=[2026])).content.decode()

    assert 'data-date="2026-02-16" data-kind="holiday" data-source="official"' in html
    assert 'data-date="2026-02-14" data-kind="makeup" data-source="official"' in html
    assert "春节" in html


def test_2027_is_shown_as_estimated(admin_client):
    html = admin_client.get(reverse("workcalendar:year_of", args=[2027])).content.decode()

    assert 'data-date="2027-01-01" data-kind="holiday" data-source="estimated"' in html
    assert reverse("workcalendar:enter_year", args=[2027]) in html


def test_an_administrator_overrides_a_day_and_running_deadlines_follow(
    admin_client, django_capture_on_commit_callbacks
):
    feedback = FeedbackFactory(feedback_time=dt.datetime(2025, 10, 10, 15, 0, tzinfo=CHINA))
    clock = clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)
    assert clock.due_at == dt.datetime(2025, 10, 11, 23, 59, 59, tzinfo=CHINA)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("workcalendar:year_of", args=[2025]),
            {"date": "2025-10-11", "is_working": "0", "name": "台风停工", "note": "台风红色预警", "save": ""},
            follow=True,
        )

    assert response.status_code == 200
    assert "2025-10-11" in response.content.decode()
    day = CalendarDay.objects.get(date=dt.date(2025, 10, 11))
    assert (day.is_working, day.name, day.note, day.updated_by) == (
        False,
        "台风停工",
        "台风红色预警",
        admin_client.user,
    )
    clock.refresh_from_db()
    assert clock.due_at == dt.datetime(2025, 10, 13, 23, 59, 59, tzinfo=CHINA)
    html = response.content.decode()
    assert 'data-date="2025-10-11" data-kind="holiday" data-source="override"' in html

    # and removing the override restores the official make-up day
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("workcalendar:year_of", args=[2025]),
            {"date": "2025-10-11", "is_working": "0", "clear": ""},
        )
    assert not CalendarDay.objects.exists()
    clock.refresh_from_db()
    assert clock.due_at == dt.datetime(2025, 10, 11, 23, 59, 59, tzinfo=CHINA)


def test_an_override_without_a_date_is_refused_with_a_message(admin_client):
    response = admin_client.post(
        reverse("workcalendar:year_of", args=[2025]), {"date": "", "is_working": "0"}
    )

    assert response.status_code == 400
    assert 'class="invalid-feedback"' in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_the_day_panel_shows_the_day_and_its_form(admin_client):
    response = admin_client.get(reverse("workcalendar:day") + "?date=2025-10-11")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="day-form"' in html
    assert "国庆节" in html


def test_an_administrator_enters_2027_by_pasting_the_notice(admin_client, django_capture_on_commit_callbacks):
    form = admin_client.get(reverse("workcalendar:enter_year", args=[2027]))
    assert form.status_code == 200
    assert "2027-02-05 ~ 2027-02-10" in form.content.decode()  # the estimate as a starting point

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("workcalendar:enter_year", args=[2027]),
            {
                "holidays": "# 2027\n2027-01-01 ~ 2027-01-03 元旦\n2027-02-06 ~ 2027-02-14 春节\n10月1日 至 10月7日 国庆节",
                "make_up_days": "2027-02-20 春节调休\n2027-10-09 国庆节调休",
                "note": "国办发明电〔2026〕7号",
            },
            follow=True,
        )

    assert response.status_code == 200
    year = CalendarYear.objects.get(year=2027)
    assert (year.entered_by, year.note) == (admin_client.user, "国办发明电〔2026〕7号")
    calendar = get_calendar()
    assert calendar.is_year_covered(2027)
    assert calendar.is_working(dt.date(2027, 2, 20)) is True
    assert calendar.is_working(dt.date(2027, 10, 7)) is False
    assert calendar.is_working(dt.date(2027, 4, 5)) is True  # not in the list: a plain Monday
    assert 'data-date="2027-02-20" data-kind="makeup" data-source="override"' in response.content.decode()


def test_a_year_entry_with_bad_lines_keeps_the_text_and_names_each_line(admin_client):
    response = admin_client.post(
        reverse("workcalendar:enter_year", args=[2027]),
        {
            "holidays": "2027-01-01 元旦\n春节 2月6日\n2027-02-30 错误",
            "make_up_days": "2027-02-17 周三",
            "note": "",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "春节 2月6日" in html  # what was typed is kept
    assert html.count("invalid-feedback") >= 2
    assert not CalendarYear.objects.exists()
    assert not CalendarDay.objects.exists()


def test_a_weekday_make_up_day_is_refused(admin_client):
    response = admin_client.post(
        reverse("workcalendar:enter_year", args=[2027]),
        {"holidays": "2027-01-01 元旦", "make_up_days": "2027-02-17 周三", "note": ""},
    )

    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not CalendarYear.objects.exists()


def test_in_december_the_page_warns_that_next_year_is_missing(admin_client, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(2026, 12, 3))

    response = admin_client.get(reverse("workcalendar:year_of", args=[2026]))

    assert 'data-testid="calendar-missing-year"' in response.content.decode()


def test_no_warning_when_next_year_is_official(admin_client, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(2025, 12, 3))

    response = admin_client.get(reverse("workcalendar:year_of", args=[2025]))

    assert 'data-testid="calendar-missing-year"' not in response.content.decode()
