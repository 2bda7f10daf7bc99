"""GET /api/reports/dashboard/: the figures as JSON, exactly selectors.dashboard(); 400 with field errors for a bad
period; 404 for who does not see the dashboard (the same rule as the page)."""

import json

import pytest

from accounts.roles import Role
from reports import selectors
from reports.periods import Period
from reports.selectors import Scope

pytestmark = pytest.mark.django_db

URL = "/api/reports/dashboard/"


def _without_clock(data: dict) -> dict:
    """The answer without the two "now" timestamps."""
    data = json.loads(json.dumps(data))
    data.pop("generated_at")
    data["backlog"].pop("as_of")
    return data


def test_the_json_is_the_selectors_dashboard(october, client, users):
    client.force_login(users[Role.QUALITY_ENGINEER])
    response = client.get(URL, {"month": "2026-10"})
    assert response.status_code == 200
    expected = selectors.dashboard(Period.month(2026, 10), Scope())
    assert _without_clock(response.json()) == _without_clock(expected)
    assert response.json()["volume_per_day"]["total"] == 12
    assert response.json()["sla_compliance"]["overall"]["rate"] == 0.5


def test_a_range_and_a_product_line(october, client, users):
    client.force_login(users[Role.MANAGEMENT])
    line = october.lines["fridge"].pk
    response = client.get(URL, {"start": "2026-10-01", "end": "2026-10-31", "product_line": line})
    assert response.status_code == 200
    data = response.json()
    assert data["scope"] == {"department_id": None, "product_line_id": line}
    assert data["period"]["label"] == "2026年10月"
    assert data["volume_per_day"]["total"] == 3
    assert _without_clock(data) == _without_clock(
        selectors.dashboard(Period.month(2026, 10), Scope(product_line_id=line))
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-10-10", "end": "2026-10-01"}, "end"),  # end before start
        ({"month": "2099-01"}, "month"),  # a future month
        ({"start": "2023-01-01", "end": "2026-10-31"}, "end"),  # over 24 months
        ({"month": "2026-10", "product_line": 999999}, "product_line"),  # unknown product line
        ({"month": "10/2026"}, "month"),
        ({"preset": "yesterday"}, "preset"),
        ({"start": "not-a-date", "end": "2026-10-01"}, "start"),
    ],
)
def test_bad_periods_answer_400_with_field_errors(october, client, users, params, field):
    client.force_login(users[Role.QUALITY_ENGINEER])
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field] and body[field] and all(isinstance(m, str) for m in body[field])


def test_an_unknown_parameter_is_refused(october, client, users):
    client.force_login(users[Role.QUALITY_ENGINEER])
    response = client.get(URL, {"month": "2026-10", "department": 1})
    assert response.status_code == 400


def test_a_department_head_gets_their_department(october, client, users, departments):
    client.force_login(users[Role.DEPT_HEAD])  # 研发部
    data = client.get(URL, {"month": "2026-10"}).json()
    assert data["scope"]["department_id"] == departments["rd"].pk
    assert data["volume_per_day"]["total"] == 5
    assert [row["name"] for row in data["department_efficiency"]["departments"]] == ["研发部"]


def test_another_department_head_gets_theirs(october, client, another_head):
    client.force_login(another_head)  # 生产部
    data = client.get(URL, {"month": "2026-10"}).json()
    assert data["volume_per_day"]["total"] == 2  # f9 f12
    assert [row["name"] for row in data["department_efficiency"]["departments"]] == ["生产部"]


@pytest.mark.parametrize(
    "who", [Role.CS_AGENT, Role.CS_SUPERVISOR, Role.DEPT_MEMBER, Role.ADMINISTRATOR, "other_member"]
)
def test_who_does_not_see_the_dashboard_gets_404(october, client, users, who):
    client.force_login(users[who])
    assert client.get(URL, {"month": "2026-10"}).status_code == 404
    assert client.get(URL, {"month": "2099-01"}).status_code == 404  # not a 400 that would tell it exists


def test_anonymous_gets_401(client):
    assert client.get(URL).status_code == 401


def test_the_operation_is_in_the_schema(client, users):
    client.force_login(users[Role.QUALITY_ENGINEER])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"month", "preset", "start", "end", "product_line"}
    assert {"200", "400", "401", "404"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["examples"]
