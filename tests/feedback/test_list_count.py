"""The list's count: exact while the list is small (and whenever filters make it small), PostgreSQL's estimate
above the threshold, said as "about"; the pages of an estimated list go as far as the rows do."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from feedback import selectors_paging
from feedback.models import Feedback
from feedback.selectors_paging import EstimatingPaginator
from tests.factories import FeedbackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(EstimatingPaginator, "exact_up_to", 5)
    monkeypatch.setattr(selectors_paging, "EXACT_UP_TO", 5)
    monkeypatch.setattr(selectors_paging, "can_estimate", lambda qs: True)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_small_list_is_counted_exactly(users):
    FeedbackFactory.create_batch(3, registered_by=users[Role.CS_AGENT])

    response = _client(users[Role.QUALITY_ENGINEER]).get(reverse("feedback:list"))

    assert not response.context["page"].paginator.estimated
    assert response.context["page"].paginator.count == 3
    assert "3 feedbacks" in response.content.decode()
    assert "about" not in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the estimate is PostgreSQL's planner's")
def test_above_the_threshold_the_count_is_the_planners_estimate_said_as_about(users, small_threshold):
    FeedbackFactory.create_batch(8, registered_by=users[Role.CS_AGENT])

    response = _client(users[Role.QUALITY_ENGINEER]).get(reverse("feedback:list"))

    paginator = response.context["page"].paginator
    assert paginator.estimated
    assert paginator.count > 5  # never less than the rows it has seen
    assert f"about {paginator.count} feedbacks" in response.content.decode()
    assert len(response.context["rows"]) == 8


def test_a_filter_that_makes_the_list_small_gives_the_exact_count(users, small_threshold):
    FeedbackFactory.create_batch(8, registered_by=users[Role.CS_AGENT])
    FeedbackFactory(registered_by=users[Role.CS_AGENT], customer_name="独一无二")

    response = _client(users[Role.QUALITY_ENGINEER]).get(reverse("feedback:list"), {"customer": "独一无二"})

    assert not response.context["page"].paginator.estimated
    assert "1 feedback" in response.content.decode()


def test_the_pages_of_an_estimated_list_go_as_far_as_the_rows(users, small_threshold, monkeypatch):
    FeedbackFactory.create_batch(60, registered_by=users[Role.CS_AGENT])
    monkeypatch.setattr(selectors_paging, "planner_rows", lambda qs: 6)  # an estimate far below the truth
    client = _client(users[Role.QUALITY_ENGINEER])

    third = client.get(reverse("feedback:list"), {"page": 3}).context["page"]
    beyond = client.get(reverse("feedback:list"), {"page": 9}).context["page"]

    assert third.number == 3 and len(third.object_list) == 10 and not third.has_next()
    assert client.get(reverse("feedback:list"), {"page": 2}).context["page"].has_next()
    shown = {f.pk for f in third.object_list}
    assert shown == set(
        Feedback.objects.order_by("-feedback_time", "-id").values_list("pk", flat=True)[50:60]
    )
    assert beyond.number == 1  # past the rows: the first page


def test_the_estimate_is_rounded_to_three_digits():
    assert selectors_paging._rounded(83_412) == 83_400
    assert selectors_paging._rounded(1_234_567) == 1_230_000
    assert (
        selectors_paging._rounded(10_040) == selectors_paging.EXACT_UP_TO + 1
    )  # never at or below the threshold


def test_a_database_without_an_estimate_counts_exactly_above_the_threshold(
    users, small_threshold, monkeypatch
):
    """SQLite, the embedded default, has no planner estimate: its list says the exact count, without "about"."""
    FeedbackFactory.create_batch(8, registered_by=users[Role.CS_AGENT])
    monkeypatch.setattr(selectors_paging, "can_estimate", lambda qs: False)

    response = _client(users[Role.QUALITY_ENGINEER]).get(reverse("feedback:list"))

    assert not response.context["page"].paginator.estimated
    assert "8 feedbacks" in response.content.decode()
    assert "about" not in response.content.decode()
