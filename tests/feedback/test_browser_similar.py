"""The similar-feedback panel in a real browser: the agent sees the customer's earlier feedback while typing the
phone; the quality engineer closes the new record as a duplicate with one click."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from feedback.models import CloseReason, Status
from tests.factories import PASSWORD, FaultPhenomenonFactory, FeedbackFactory, ProductModelFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_agent_sees_earlier_feedback_of_the_phone_being_typed(
    page, live_server, login, screenshot, users
):
    agent = users[Role.CS_AGENT]
    earlier = FeedbackFactory(
        contact_phone="13812345678",
        registered_by=agent,
        feedback_time=timezone.now() - dt.timedelta(days=12),
        description="空调外机漏水，滴到楼下阳台",
    )
    login(page, live_server, agent.username, PASSWORD)
    page.get_by_test_id("nav-new-feedback").click()
    page.get_by_test_id("similar-panel").wait_for()
    assert page.get_by_test_id("similar-none").is_visible()

    page.get_by_label("联系电话").fill("138 1234 5678")
    page.get_by_label("联系电话").blur()

    item = page.locator(f"[data-testid=similar-item][data-number={earlier.number}]")
    item.wait_for()
    assert "同一电话" in item.inner_text() and "空调外机漏水" in item.inner_text()
    screenshot("registration-similar-panel")


def test_the_quality_engineer_closes_a_repeat_as_a_duplicate_in_one_click(
    page, live_server, login, screenshot, users
):
    model = ProductModelFactory(code="KFR-35GW", name="智能空调")
    leak = FaultPhenomenonFactory(name="漏水")
    earlier = FeedbackFactory(
        product_model=model,
        fault_phenomenon=leak,
        contact_phone="13900000001",
        feedback_time=timezone.now() - dt.timedelta(days=30),
        description="外机漏水",
    )
    new = FeedbackFactory(
        product_model=model, fault_phenomenon=leak, contact_phone="13812345678", description="室外机一直滴水"
    )
    login(page, live_server, users[Role.QUALITY_ENGINEER].username, PASSWORD)

    page.goto(f"{live_server.url}/feedback/{new.number}/")
    item = page.locator(f"[data-testid=similar-item][data-number={earlier.number}]")
    item.wait_for()
    assert "同型号同故障" in item.inner_text()
    screenshot("detail-similar-panel")
    item.get_by_test_id("mark-duplicate").click()

    page.get_by_test_id("duplicate-of").wait_for()
    assert page.get_by_test_id("duplicate-of").inner_text() == earlier.number
    screenshot("closed-as-duplicate")
    new.refresh_from_db()
    assert (new.status, new.close_reason, new.duplicate_of_id) == (
        Status.CLOSED,
        CloseReason.DUPLICATE,
        earlier.pk,
    )
