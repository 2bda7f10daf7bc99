"""Who may open the administration, and what the administrator role manages there (DOMAIN.md: users,
departments, catalogues, calendar, SLA settings). Also the login brake."""

import pytest
from django.urls import reverse

from accounts.models import Department
from accounts.roles import Role
from tests.factories import PASSWORD

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
    assert "登录尝试次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
