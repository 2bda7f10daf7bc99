"""Access at the edge of the one access function (issue 9): a CAPA page never shows a linked feedback its reader may
not see, and the worklists of CAPA forms go through capa_visible_to like every other read."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from corrective_actions import services
from corrective_actions.selectors import capas_to_review, capas_to_verify
from tests.factories import FeedbackFactory, ProductModelFactory
from tests.factories.capa import Loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_feedbacks_one_form(users, departments):
    """A form led by 研发部 resolving A (assigned to 研发部 and 生产部) and B (assigned to 研发部 only)."""
    production = departments["production"]
    a = Loop(users, departments, FeedbackFactory(registered_by=users[Role.CS_AGENT]))
    a.verify()
    a.classify()
    a.grade()
    a.assign(owners={departments["rd"]: users[Role.DEPT_MEMBER], production: users["other_member"]})
    a.open_capa()
    b = Loop(
        users,
        departments,
        FeedbackFactory(
            registered_by=users[Role.CS_AGENT], product_model=ProductModelFactory(code="KFR-72LW-SECRET")
        ),
    )
    b.phenomenon = a.phenomenon
    b.to_assigned()
    services.capa_link_feedback(capa=a.capa, feedback=b.feedback, actor=users[Role.QUALITY_ENGINEER])
    a.reload()
    b.reload()
    return a, b


def test_the_capa_page_does_not_show_a_linked_feedback_its_reader_may_not_see(
    client, users, two_feedbacks_one_form
):
    a, b = two_feedbacks_one_form
    client.force_login(users["other_member"])  # 生产部: sees the form through A, not B

    page = client.get(reverse("corrective_actions:detail", args=[a.capa.number])).content.decode()

    assert a.feedback.number in page
    assert b.feedback.number not in page
    assert "KFR-72LW-SECRET" not in page
    assert "另有 1 条反馈" in page  # that there is one more is no secret: the count is shown, nothing of it


def test_the_lead_department_sees_every_feedback_its_form_resolves(client, users, two_feedbacks_one_form):
    a, b = two_feedbacks_one_form
    client.force_login(users[Role.DEPT_MEMBER])

    page = client.get(reverse("corrective_actions:detail", args=[a.capa.number])).content.decode()

    assert a.feedback.number in page and b.feedback.number in page


def test_the_capa_worklists_list_only_forms_the_user_may_see(users, two_feedbacks_one_form):
    a, _b = two_feedbacks_one_form
    a.add_measure()
    a.submit()

    assert list(capas_to_review(users[Role.QUALITY_ENGINEER])) == [a.capa]
    assert list(capas_to_review(users[Role.CS_AGENT])) == []
    assert list(capas_to_verify(users[Role.CS_AGENT])) == []
