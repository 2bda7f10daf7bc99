"""The detail page's cost does not grow with the history: a bounded number of queries for 10 or 60 history lines,
the newest lines shown with a link to the whole history, and the panel's CAPA rates counted from the loaded
measures exactly as the query counts them."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from corrective_actions.models import Measure
from corrective_actions.selectors import capa_rates, rates_of
from feedback.services import feedback_update_registration
from quality_loop.views_detail import HISTORY_LINES
from tests.factories import FeedbackFactory
from tests.factories.capa import CapaFactory, Loop, MeasureFactory

pytestmark = pytest.mark.django_db


def _edited(users, edits: int):
    feedback = FeedbackFactory(registered_by=users[Role.CS_AGENT])
    for n in range(edits):
        feedback = feedback_update_registration(
            feedback=feedback,
            actor=users[Role.CS_AGENT],
            data={"serial_number": f"SN{n:04d}"},
            expected_version=feedback.version,
        )
    return feedback


def _queries(client: Client, url: str) -> tuple[int, str]:
    client.get(url)  # the first request of a session warms caches that later ones do not pay for
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("role", [Role.QUALITY_ENGINEER, Role.CS_AGENT, Role.DEPT_MEMBER])
def test_the_detail_page_costs_the_same_for_a_short_and_a_long_history(users, departments, role):
    short = Loop(users, departments, _edited(users, 10)).to_capa_in_progress()
    long = Loop(users, departments, _edited(users, HISTORY_LINES + 10)).to_capa_in_progress()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users[role])

    cost, _page = _queries(client, short.feedback.get_absolute_url())
    long_cost, page = _queries(client, long.feedback.get_absolute_url())

    assert long_cost == cost
    # the record with its relations, deadlines, history, the privacy log, the layout's (session, user, permissions,
    # unread notices) and, for a user in a department, the department base.html names
    assert cost <= 15 + bool(users[role].department_id)
    assert 'data-testid="history-more"' in page


def test_a_long_history_shows_the_newest_lines_and_the_whole_of_it_on_request(users, departments):
    feedback = _edited(users, HISTORY_LINES + 10)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users[Role.QUALITY_ENGINEER])

    shown = client.get(feedback.get_absolute_url()).context["history"]
    whole = client.get(feedback.get_absolute_url(), {"history": "all"}).context["history"]

    assert shown.truncated and not whole.truncated
    assert len(shown) == HISTORY_LINES
    assert [line.changes[0].after for line in shown] == [
        line.changes[0].after for line in whole[:HISTORY_LINES]
    ]
    assert shown[0].changes[0].after == f"SN{HISTORY_LINES + 9:04d}"
    assert whole[-1].action == "created"


def test_a_short_history_is_shown_whole_without_the_link(users):
    feedback = _edited(users, 3)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users[Role.QUALITY_ENGINEER])

    response = client.get(feedback.get_absolute_url())

    assert not response.context["history"].truncated
    assert b'data-testid="history-more"' not in response.content


def test_the_rates_of_loaded_measures_are_those_the_query_counts(users, departments):
    loop = Loop(users, departments).to_capa_in_progress()
    today = timezone.localdate()
    member = users[Role.DEPT_MEMBER]
    for state, planned, completed in (
        (Measure.State.COMPLETED, -10, -5),  # on time
        (Measure.State.COMPLETED, -10, -2),  # late: completed after its planned date
        (Measure.State.COMPLETED, 5, 1),  # early, not yet due
        (Measure.State.IN_PROGRESS, -3, None),  # overdue
        (Measure.State.PLANNED, 7, None),
        (Measure.State.WITHDRAWN, -8, None),  # counts nowhere
    ):
        MeasureFactory(
            capa=loop.capa,
            owner=member,
            state=state,
            planned_date=today + dt.timedelta(days=planned),
            completed_date=None if completed is None else today + dt.timedelta(days=completed),
        )

    measures = list(Measure.objects.filter(capa=loop.capa))

    assert rates_of(measures, today=today) == capa_rates(loop.capa, today=today)
    assert rates_of([], today=today) == capa_rates(CapaFactory(), today=today)
