"""The CAPA list page (issue 10): it picks the newest forms first and joins only them to their feedbacks and
measures. The rows, their feedback counts and rates are those of grouping every visible form (what the page did
before), and the page costs the same number of queries for more forms."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from corrective_actions.models import CapaStatus
from corrective_actions.selectors import capa_list, capa_list_page, capa_visible_to, measure_rates_by_capa
from tests.factories.capa import Loop

pytestmark = pytest.mark.django_db

FIELDS = (
    "number",
    "feedback_count",
    "measures_total",
    "measures_completed",
    "measures_due",
    "measures_completed_late",
    "measures_open_overdue",
    "completion_rate",
    "delay_rate",
)


def rows(qs) -> list[tuple]:
    return [(*(getattr(c, f) for f in FIELDS), c.lead_department.name, c.created_by_id) for c in qs]


def grouped_over_all(user, limit, **filters) -> list[tuple]:
    """The page's rows as they were computed before issue 10: every visible form grouped, then the newest kept."""
    return rows(measure_rates_by_capa(capa_list(user, **filters)).order_by("-created_at", "-id")[:limit])


@pytest.fixture
def forms(users, departments):
    loops = []
    for i in range(3):
        loop = Loop(users, departments).to_capa_in_progress()
        if i == 1:
            loop.complete(loop.short)
        loops.append(loop)
    draft = Loop(users, departments)
    draft.to_assigned()
    draft.open_capa()
    loops.append(draft)
    return loops


@pytest.mark.parametrize("who", [Role.QUALITY_ENGINEER, Role.DEPT_MEMBER, Role.DEPT_HEAD, "other_member"])
def test_the_page_rows_are_those_of_grouping_every_form(forms, users, who):
    user = users[who]
    for limit in (200, 2):
        assert rows(capa_list_page(user, limit=limit)) == grouped_over_all(user, limit)
    assert rows(capa_list_page(user, status=CapaStatus.IN_PROGRESS)) == grouped_over_all(
        user, 200, status=CapaStatus.IN_PROGRESS
    )
    department = forms[0].capa.lead_department_id
    assert rows(capa_list_page(user, department_id=department)) == grouped_over_all(
        user, 200, department_id=department
    )


def test_the_page_shows_the_newest_forms_first(forms, users):
    numbers = [c.number for c in capa_list_page(users[Role.QUALITY_ENGINEER], limit=2)]
    assert numbers == [forms[3].capa.number, forms[2].capa.number]


def test_the_list_page_costs_the_same_number_of_queries_for_more_forms(users, departments):
    Loop(users, departments).to_capa_in_progress()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users[Role.QUALITY_ENGINEER])
    client.get(reverse("corrective_actions:list"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("corrective_actions:list"))
    for _ in range(3):
        Loop(users, departments).to_capa_in_progress()

    with CaptureQueriesContext(connection) as after:
        response = client.get(reverse("corrective_actions:list"))

    assert response.status_code == 200
    assert len(after) == len(before) <= 10


@pytest.mark.parametrize(
    "who", [Role.QUALITY_ENGINEER, Role.DEPT_MEMBER, Role.DEPT_HEAD, "other_member", Role.CS_AGENT]
)
def test_the_list_pages_way_of_deciding_access_gives_the_same_forms(forms, users, departments, who):
    """capa_visible_to(newest_only=True) probes each form's department link on its own (for the list page):
    the same forms as the hashed set every other read uses, for every role, a department that only has a
    feedback assigned (not the lead) included."""
    shared = Loop(users, departments)
    shared.verify()
    shared.classify()
    shared.grade()
    shared.assign(
        owners={departments["rd"]: users[Role.DEPT_MEMBER], departments["production"]: users["other_member"]}
    )
    shared.open_capa()
    user = users[who]
    every = set(capa_visible_to(user).values_list("pk", flat=True))
    assert set(capa_visible_to(user, newest_only=True).values_list("pk", flat=True)) == every
    if who == "other_member":  # production leads none of them: it sees the form through its assignment only
        assert every == {shared.capa.pk}
