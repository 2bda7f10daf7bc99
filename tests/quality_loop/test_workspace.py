"""The home page: what waits for each role, with deadline badges, in a constant number of queries."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from feedback.models import Callback, Status, Verification
from tests.factories import FeedbackFactory
from tests.factories.capa import Loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make


def section(content: bytes, key: str) -> str:
    """The HTML of one workspace section."""
    html = content.decode()
    start = html.index(f'data-testid="section-{key}"')
    end = html.find('data-testid="section-', start + 10)
    return html[start : end if end != -1 else len(html)]


@pytest.fixture
def world(users, departments):
    """A registered feedback, one verified as not reproduced, one level Ⅲ assigned to 研发部 awaiting its form, and
    one whose CAPA form is in progress with the short-term measure done (callback open)."""
    agent = users[Role.CS_AGENT]
    fresh = Loop(users, departments, FeedbackFactory(registered_by=agent))
    not_reproduced = Loop(users, departments, FeedbackFactory(registered_by=agent))
    not_reproduced.verify(verdict=Verification.Verdict.NOT_REPRODUCED)
    urgent = Loop(users, departments, FeedbackFactory(registered_by=agent))
    urgent.verify()
    urgent.classify()
    urgent.grade("III")
    urgent.assign()
    running = Loop(users, departments, FeedbackFactory(registered_by=agent))
    running.to_capa_in_progress()
    running.complete(running.short)
    draft = FeedbackFactory(registered_by=agent, status=Status.DRAFT, registered_at=None)
    return {
        "fresh": fresh,
        "not_reproduced": not_reproduced,
        "urgent": urgent,
        "running": running,
        "draft": draft,
    }


def test_the_agent_sees_drafts_outcomes_to_tell_and_callbacks(world, users, as_user):
    page = as_user(users[Role.CS_AGENT]).get(reverse("home")).content

    assert world["draft"].number in section(page, "drafts")
    assert world["not_reproduced"].feedback.number in section(page, "tell_outcome")
    assert world["running"].feedback.number in section(page, "callbacks")
    assert world["fresh"].feedback.number not in section(page, "callbacks")


def test_another_agent_sees_none_of_it(world, users, as_user):
    page = as_user(users["other_agent"]).get(reverse("home")).content

    for loop in ("not_reproduced", "running"):
        assert world[loop].feedback.number not in page.decode()


def test_the_supervisor_sees_the_teams(world, users, as_user):
    page = as_user(users[Role.CS_SUPERVISOR]).get(reverse("home")).content

    assert world["running"].feedback.number in section(page, "callbacks")
    assert world["draft"].number in section(page, "drafts")


def test_quality_sees_what_to_verify_assign_and_the_level_three(world, users, as_user):
    page = as_user(users[Role.QUALITY_ENGINEER]).get(reverse("home")).content

    assert world["fresh"].feedback.number in section(page, "to_verify")
    assert world["not_reproduced"].feedback.number in section(page, "to_assign")
    assert world["urgent"].feedback.number in section(page, "urgent")
    assert 'data-sla-kind="verification"' not in section(page, "to_verify")  # factory-made: no clock
    assert 'data-sla-kind="emergency"' in section(page, "urgent")


def test_the_department_sees_its_assignment_and_its_measures(world, users, as_user):
    member_page = as_user(users[Role.DEPT_MEMBER]).get(reverse("home")).content
    head_page = as_user(users[Role.DEPT_HEAD]).get(reverse("home")).content
    other_page = as_user(users["other_member"]).get(reverse("home")).content

    assert world["urgent"].feedback.number in section(member_page, "assigned")
    assert world["urgent"].feedback.number in section(member_page, "urgent_dept")
    assert world["running"].capa.number in section(member_page, "measures")  # the long-term measure is open
    assert "CAPA forms to approve and submit" in head_page.decode()
    assert world["urgent"].feedback.number not in other_page.decode()


def test_management_lands_on_the_management_dashboard(world, users, as_user):
    response = as_user(users[Role.MANAGEMENT]).get(reverse("home"))

    assert response.status_code == 302 and response["Location"] == reverse("reports:dashboard")


def test_a_manager_with_another_role_keeps_the_workspace_with_its_dashboard(world, users, as_user):
    manager = users[Role.MANAGEMENT]
    manager.groups.add(Group.objects.get(name=Role.QUALITY_ENGINEER))
    page = as_user(manager).get(reverse("home")).content.decode()

    assert 'data-testid="management-dashboard"' in page
    assert world["urgent"].feedback.number in section(page.encode(), "urgent_all")
    assert 'data-testid="dashboard-rates"' in page
    assert "研发部" in page


def test_the_administrator_gets_the_administration_links(world, users, as_user):
    page = as_user(users[Role.ADMINISTRATOR]).get(reverse("home")).content.decode()

    assert 'data-testid="admin-links"' in page
    assert reverse("admin:index") in page


def test_the_workspace_costs_the_same_number_of_queries_for_more_feedback(world, users, departments, as_user):
    client = as_user(users[Role.QUALITY_ENGINEER])
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home"))
    for _ in range(5):
        extra = Loop(users, departments, FeedbackFactory(registered_by=users[Role.CS_AGENT]))
        extra.verify()

    with CaptureQueriesContext(connection) as after:
        client.get(reverse("home"))

    assert len(after) == len(before)


def test_the_callbacks_to_make_are_listed_oldest_feedback_first(world, users, as_user):
    """The section sorts the open callbacks' feedback (issue 10: not through the feedback-time index); the order is
    still feedback time, then id."""
    now = timezone.now()
    agent = users[Role.CS_AGENT]
    made = [
        FeedbackFactory(registered_by=agent, cs_owner=agent, feedback_time=now - dt.timedelta(days=days))
        for days in (3, 9, 1, 9)
    ]
    for feedback in made:
        Callback.objects.create(feedback=feedback, state=Callback.State.OPEN)
    expected = [f.number for f in sorted(made, key=lambda f: (f.feedback_time, f.pk))]

    html = section(as_user(users[Role.CS_SUPERVISOR]).get(reverse("home")).content, "callbacks")

    assert sorted(expected, key=html.index) == expected
