"""The feedback API: the same visibility and rules as the pages; bad input is a 400 with field errors."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from feedback.models import Feedback, Status
from tests.factories import ProductModelFactory
from tests.feedback.conftest import EXPECTED_LIST

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _payload(model, **overrides):
    payload = {
        "customer_name": "张先生",
        "contact_phone": "13812345678",
        "product_model": model.code,
        "purchase_date": "2026-03-15",
        "channel": "hotline",
        "description": "空调不制冷",
        "customer_requests": ["repair"],
        "complete": True,
    }
    return payload | overrides


@pytest.mark.parametrize("who", list(EXPECTED_LIST))
def test_each_role_lists_and_reads_exactly_what_it_may_see(api, users, world, who):
    api.force_authenticate(users[who])
    listed = {row["number"] for row in api.get(reverse("api-feedback-list")).json()["results"]}
    assert listed == {world[key].number for key in EXPECTED_LIST[who]}
    for key, feedback in world.items():
        response = api.get(reverse("api-feedback-detail", args=[feedback.number]))
        assert response.status_code == (200 if key in EXPECTED_LIST[who] else 404)


def test_unauthenticated_requests_are_refused(api, world):
    assert api.get(reverse("api-feedback-list")).status_code in (401, 403)
    assert api.get(reverse("api-feedback-detail", args=[world["own"].number])).status_code in (401, 403)


def test_an_agent_registers_through_the_api_and_gets_the_pf_number(api, users):
    model = ProductModelFactory()
    api.force_authenticate(users[Role.CS_AGENT])
    response = api.post(reverse("api-feedback-list"), _payload(model), format="json")
    assert response.status_code == 201
    assert response.json()["number"] == Feedback.objects.get().number
    assert response.json()["status"] == Status.REGISTERED


@pytest.mark.parametrize(
    "who", [Role.QUALITY_ENGINEER, Role.DEPT_MEMBER, Role.MANAGEMENT, Role.ADMINISTRATOR]
)
def test_other_roles_cannot_register_through_the_api(api, users, who):
    api.force_authenticate(users[who])
    response = api.post(reverse("api-feedback-list"), _payload(ProductModelFactory()), format="json")
    assert response.status_code == 403
    assert Feedback.objects.count() == 0


def test_bad_input_is_a_400_with_field_errors_in_chinese_never_a_500(api, users):
    api.force_authenticate(users[Role.CS_AGENT])
    model = ProductModelFactory()
    cases = [
        (_payload(model, contact_phone="12345"), "contact_phone"),
        (_payload(model, product_model="NO-SUCH"), "product_model"),
        (_payload(model, channel="pigeon"), "channel"),
        (_payload(model, customer_requests=["free_money"]), "customer_requests"),
        (_payload(model, purchase_date="2026-02-30"), "purchase_date"),
        (_payload(model, description=""), "description"),
    ]
    for payload, field in cases:
        response = api.post(reverse("api-feedback-list"), payload, format="json")
        assert response.status_code == 400, field
        assert field in response.json(), field
    phone = api.post(reverse("api-feedback-list"), cases[0][0], format="json").json()["contact_phone"][0]
    assert "手机号" in phone
    assert Feedback.objects.count() == 0


def test_patch_needs_the_version_and_refuses_a_stale_one(api, users):
    api.force_authenticate(users[Role.CS_AGENT])
    number = api.post(reverse("api-feedback-list"), _payload(ProductModelFactory()), format="json").json()[
        "number"
    ]
    url = reverse("api-feedback-detail", args=[number])

    assert api.patch(url, {"customer_name": "张三"}, format="json").status_code == 400
    version = api.get(url).json()["version"]
    assert api.patch(url, {"customer_name": "张三", "version": version}, format="json").status_code == 200
    stale = api.patch(url, {"customer_name": "张四", "version": version}, format="json")
    assert stale.status_code == 409
    assert api.get(url).json()["customer_name"] == "张三"


def test_a_user_who_may_read_but_not_edit_cannot_patch(api, users, world):
    api.force_authenticate(users[Role.QUALITY_ENGINEER])
    url = reverse("api-feedback-detail", args=[world["own"].number])
    assert api.patch(url, {"customer_name": "x", "version": 1}, format="json").status_code == 404
    world["own"].refresh_from_db()
    assert world["own"].customer_name == "自己的客户"


def test_the_openapi_schema_is_served(api, users):
    api.force_authenticate(users[Role.QUALITY_ENGINEER])
    response = api.get(reverse("api-schema"))
    assert response.status_code == 200
    assert b"/api/feedback/" in response.content
