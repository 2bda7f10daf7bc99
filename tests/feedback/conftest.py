"""The visibility world shared by the page and API tests."""

import pytest

from accounts.roles import Role
from feedback.models import Status
from tests.factories import AssignmentFactory, FeedbackFactory


@pytest.fixture
def world(users, departments):
    """Feedback of every kind of visibility: the agent's own, another agent's, a draft, one assigned to 研发部."""
    agent, other_agent = users[Role.CS_AGENT], users["other_agent"]
    own = FeedbackFactory(registered_by=agent, customer_name="自己的客户")
    others = FeedbackFactory(registered_by=other_agent, customer_name="别人的客户")
    draft = FeedbackFactory(
        registered_by=agent, status=Status.DRAFT, registered_at=None, customer_name="草稿客户"
    )
    assigned = FeedbackFactory(
        registered_by=other_agent, customer_name="研发部的客户", status=Status.ASSIGNED
    )
    AssignmentFactory(feedback=assigned, department=departments["rd"], owner=users[Role.DEPT_MEMBER])
    return {"own": own, "others": others, "draft": draft, "assigned": assigned}


EXPECTED_LIST = {
    Role.CS_AGENT: {"own", "draft"},
    Role.CS_SUPERVISOR: {"own", "others", "draft", "assigned"},
    Role.QUALITY_ENGINEER: {"own", "others", "assigned"},
    Role.DEPT_MEMBER: {"assigned"},
    Role.DEPT_HEAD: {"assigned"},
    "other_member": set(),
    Role.MANAGEMENT: {"own", "others", "assigned"},
    Role.ADMINISTRATOR: {"own", "others", "draft", "assigned"},
}
