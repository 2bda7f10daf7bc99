"""Hardening (PIPL): a customer's phone and e-mail are masked (138****5678, w***@example.com) for the roles that do
not call the customer (department members and heads, management, the administrator), shown in full to customer
service and quality on the pages of one record, and every such showing is logged (who, when, which record, which
fields, where). Lists show masked numbers to everyone."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import PersonalDataAccess
from accounts.roles import Role
from feedback import services
from tests.factories import AssignmentFactory, FeedbackFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "13812345678", "wang.fang@example.com"
MASKED_PHONE, MASKED_EMAIL = "138****5678", "w***@example.com"


@pytest.fixture
def feedback(users, departments):
    record = FeedbackFactory(registered_by=users[Role.CS_AGENT], contact_phone=PHONE, contact_email=EMAIL)
    AssignmentFactory(feedback=record, department=departments["rd"], owner=users[Role.DEPT_MEMBER])
    return record


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", [Role.DEPT_MEMBER, Role.DEPT_HEAD, Role.MANAGEMENT, Role.ADMINISTRATOR])
def test_roles_that_do_not_call_the_customer_see_the_contact_masked_and_nothing_is_logged(
    client, users, feedback, who
):
    page = _page(client, users[who], reverse("feedback:detail", args=[feedback.number]))

    assert MASKED_PHONE in page and MASKED_EMAIL in page
    assert PHONE not in page and EMAIL not in page
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("who", [Role.CS_AGENT, Role.CS_SUPERVISOR, Role.QUALITY_ENGINEER])
def test_who_calls_the_customer_sees_it_in_full_and_the_showing_is_logged(client, users, feedback, who):
    page = _page(client, users[who], reverse("feedback:detail", args=[feedback.number]))

    assert PHONE in page and EMAIL in page
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.record, log.fields, log.where) == (
        users[who],
        feedback.number,
        "contact_phone,contact_email",
        "detail page",
    )
    assert log.ip_address == "127.0.0.1"


def test_each_showing_is_one_more_line_of_the_log(client, users, feedback):
    for _ in range(3):
        _page(client, users[Role.QUALITY_ENGINEER], reverse("feedback:detail", args=[feedback.number]))
    assert PersonalDataAccess.objects.filter(record=feedback.number).count() == 3


@pytest.mark.parametrize("who", [Role.CS_AGENT, Role.QUALITY_ENGINEER, Role.DEPT_MEMBER])
def test_the_list_shows_everyone_the_masked_number(client, users, feedback, who):
    page = _page(client, users[who], reverse("feedback:list"))
    assert MASKED_PHONE in page and PHONE not in page
    assert not PersonalDataAccess.objects.exists()


def test_the_registration_form_shows_the_agent_the_contact_in_full_and_logs_it(client, users, feedback):
    page = _page(client, users[Role.CS_AGENT], reverse("feedback:edit", args=[feedback.number]))
    assert f'value="{PHONE}"' in page
    assert (
        PersonalDataAccess.objects.filter(where="registration form", user=users[Role.CS_AGENT]).count() == 1
    )


def test_the_audit_trail_masks_old_and_new_numbers_for_a_department(client, users, feedback):
    services.feedback_update_registration(
        feedback=feedback,
        actor=users[Role.CS_AGENT],
        data={"contact_phone": "13987654321"},
        expected_version=feedback.version,
    )
    member = _page(client, users[Role.DEPT_MEMBER], reverse("feedback:detail", args=[feedback.number]))
    quality = _page(
        client.__class__(), users[Role.QUALITY_ENGINEER], reverse("feedback:detail", args=[feedback.number])
    )

    assert "139****4321" in member and "13987654321" not in member and PHONE not in member
    assert "13987654321" in quality and PHONE in quality


def test_the_api_masks_lists_for_everyone_and_shows_the_detail_in_full_to_customer_service(users, feedback):
    def as_user(who):
        api = APIClient()
        api.force_authenticate(users[who])
        return api

    listed = as_user(Role.CS_AGENT).get(reverse("api-feedback-list")).json()["results"][0]
    agent = as_user(Role.CS_AGENT).get(reverse("api-feedback-detail", args=[feedback.number])).json()
    manager = as_user(Role.MANAGEMENT).get(reverse("api-feedback-detail", args=[feedback.number])).json()

    assert (listed["contact_phone"], listed["contact_email"]) == (MASKED_PHONE, MASKED_EMAIL)
    assert (agent["contact_phone"], agent["contact_email"]) == (PHONE, EMAIL)
    assert (manager["contact_phone"], manager["contact_email"]) == (MASKED_PHONE, MASKED_EMAIL)
    assert list(PersonalDataAccess.objects.values_list("user__username", "where")) == [
        (users[Role.CS_AGENT].username, "API")
    ]


def test_the_admin_masks_the_contact_in_the_record_and_its_history(client, users, feedback):
    services.feedback_update_registration(
        feedback=feedback,
        actor=users[Role.CS_AGENT],
        data={"contact_phone": "13987654321"},
        expected_version=feedback.version,
    )
    for user in (users[Role.ADMINISTRATOR], UserFactory(is_staff=True, is_superuser=True)):
        for url in (
            reverse("admin:feedback_feedback_change", args=[feedback.pk]),
            reverse("admin:feedback_feedback_history", args=[feedback.pk]),
        ):
            page = _page(client, user, url)
            assert PHONE not in page and "13987654321" not in page and EMAIL not in page, url
    assert "139****4321" in page


def test_the_administrator_reads_the_log_in_the_admin(client, users, feedback):
    _page(client, users[Role.QUALITY_ENGINEER], reverse("feedback:detail", args=[feedback.number]))
    page = _page(
        client.__class__(), users[Role.ADMINISTRATOR], reverse("admin:accounts_personaldataaccess_changelist")
    )
    assert feedback.number in page and str(users[Role.QUALITY_ENGINEER]) in page
