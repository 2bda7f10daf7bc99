"""Who may open the administration, and what the administrator role manages there (DOMAIN.md: users,
departments, catalogues, calendar, SLA settings). Also the login brake."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Department
from accounts.roles import Role
from tests.factories import (
    PASSWORD,
    DepartmentFactory,
    FaultPhenomenonFactory,
    ProductLineFactory,
    UserFactory,
)
from workcalendar.models import CalendarDay

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "admin:accounts_user_changelist",
    "admin:accounts_department_changelist",
    "admin:catalog_productline_changelist",
    "admin:catalog_productmodel_changelist",
    "admin:catalog_faultphenomenon_changelist",
    "admin:sla_slasetting_changelist",
    "admin:workcalendar_calendarday_changelist",
]


@pytest.mark.parametrize(
    "who",
    [
        Role.CS_AGENT,
        Role.CS_SUPERVISOR,
        Role.QUALITY_ENGINEER,
        Role.DEPT_MEMBER,
        Role.DEPT_HEAD,
        Role.MANAGEMENT,
    ],
)
def test_only_the_administrator_gets_into_the_administration(client, users, who):
    client.force_login(users[who])
    for name in ADMIN_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/admin/login/" in response.url, name


def test_the_administrator_manages_users_departments_catalogues_calendar_and_deadlines(client, users):
    client.force_login(users[Role.ADMINISTRATOR])
    for name in ADMIN_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    response = client.post(
        reverse("admin:accounts_department_add"), {"code": "supply2", "name": "采购部", "is_active": "on"}
    )
    assert response.status_code == 302
    assert Department.objects.filter(code="supply2", name="采购部").exists()


def test_a_wrong_password_is_refused_in_chinese_and_guessing_is_braked(client, users):
    agent = users[Role.CS_AGENT]
    response = client.post(reverse("login"), {"username": agent.username, "password": "wrong"})
    assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()
    for _ in range(12):
        client.post(reverse("login"), {"username": agent.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": agent.username, "password": PASSWORD})
    assert "该账号因多次密码错误已被锁定" in response.content.decode()  # issue 11: locked, not just slowed
    assert "_auth_user_id" not in client.session


def _rows(changelist: str, count: int, start: int, actor) -> None:
    """``count`` rows of the changelist's model, each with its (nullable) related object set."""
    for n in range(start, start + count):
        if changelist == "admin:accounts_user_changelist":
            UserFactory(department=DepartmentFactory())
        elif changelist == "admin:catalog_faultphenomenon_changelist":
            FaultPhenomenonFactory(line=ProductLineFactory())
        else:
            CalendarDay.objects.create(
                date=dt.date(2030, 1, 1) + dt.timedelta(days=n), is_working=False, updated_by=actor
            )


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:accounts_user_changelist",
        "admin:catalog_faultphenomenon_changelist",
        "admin:workcalendar_calendarday_changelist",
    ],
)
def test_an_administration_list_reads_its_related_names_with_the_rows(client, users, changelist):
    # given a list of 2 rows, each showing a department / product line / the administrator who changed it
    administrator = users[Role.ADMINISTRATOR]
    client.force_login(administrator)
    _rows(changelist, 2, 0, administrator)
    client.get(reverse(changelist))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(changelist)).status_code == 200

    # when it has 12 rows, then the page costs the same queries (no query per row)
    _rows(changelist, 10, 2, administrator)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(changelist)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
