"""Issue 11, findings 3 and 4: what the lifecycle panel and the closing page say.

3. On a level Ⅲ feedback whose emergency response has not started, the red button names the action it performs
   (启动应急响应), and the state (尚未启动) is shown once, beside it, not contradicted by the button.
4. Closing a feedback refused: the refusal names every missing step, in the order of the lifecycle."""

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from core.errors import DomainError
from feedback.models import Verification
from quality_loop import lifecycle
from tests.factories.capa import Loop

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_emergency_button_names_the_action_and_the_state_is_shown_once(client, users, departments):
    loop = Loop(users, departments)
    loop.verify()
    loop.classify()
    loop.grade("III")
    client.force_login(users[Role.QUALITY_ENGINEER])

    page = client.get(reverse("feedback:detail", args=[loop.feedback.number])).content.decode()

    button = re.search(r'<a [^>]*data-testid="action-emergency_response"[^>]*>(.*?)</a>', page, re.S)
    assert button and _text(button.group(1)).strip() == "启动应急响应"
    text = _text(page)
    assert text.count("尚未启动") == 1
    assert "已启动应急响应" not in text


def test_the_emergency_page_is_titled_with_its_action(client, users, departments):
    loop = Loop(users, departments)
    loop.verify()
    loop.classify()
    loop.grade("III")
    client.force_login(users[Role.QUALITY_ENGINEER])

    page = client.get(reverse("feedback:emergency_response", args=[loop.feedback.number])).content.decode()

    assert "<title>启动应急响应" in page


LIFECYCLE_ORDER = ["核实", "分类", "故障现象", "分级", "责任部门", "措施表", "满意度回访"]


def _positions(message: str, words: list[str]) -> list[int]:
    return [message.find(word) for word in words]


def _blocked(html: str) -> str:
    found = re.search(r'data-testid="action-blocked">(.*?)</div>', html, re.S)
    assert found, "no refusal on the page"
    return _text(found.group(1))


def test_closing_an_unverified_feedback_names_every_missing_step_in_lifecycle_order(
    client, users, departments
):
    loop = Loop(users, departments)  # registered: not verified, classified, graded, assigned …
    client.force_login(users[Role.QUALITY_ENGINEER])
    url = reverse("feedback:close_resolved", args=[loop.feedback.number])

    shown = _blocked(client.get(url).content.decode())
    refused = client.post(url, {"version": loop.feedback.version, "note": "结案"})
    with pytest.raises(DomainError) as service_refusal:
        lifecycle.feedback_close_resolved(
            feedback=loop.feedback, actor=users[Role.QUALITY_ENGINEER], expected_version=loop.feedback.version
        )

    assert refused.status_code == 400
    for message in (shown, _blocked(refused.content.decode()), str(service_refusal.value.message)):
        positions = _positions(message, LIFECYCLE_ORDER)
        assert -1 not in positions, dict(zip(LIFECYCLE_ORDER, positions, strict=True))
        assert positions == sorted(positions), dict(zip(LIFECYCLE_ORDER, positions, strict=True))
    loop.feedback.refresh_from_db()
    assert loop.feedback.status == "registered"


def test_closing_a_feedback_verified_but_not_assigned_names_the_remaining_steps_only(
    client, users, departments
):
    loop = Loop(users, departments)
    loop.verify(verdict=Verification.Verdict.CONFIRMED)
    loop.classify()
    loop.grade("II")
    client.force_login(users[Role.QUALITY_ENGINEER])

    shown = _blocked(
        client.get(reverse("feedback:close_resolved", args=[loop.feedback.number])).content.decode()
    )

    remaining = ["责任部门", "措施表", "满意度回访"]
    positions = _positions(shown, remaining)
    assert -1 not in positions and positions == sorted(positions), shown
    assert "尚未核实" not in shown and "尚未分类" not in shown and "尚未分级" not in shown
