"""Issue 11, finding 2 (the admin): the role selector of a user is Chinese throughout, its JavaScript included
("Choose all 组" / "Remove all 组" came from strings Django's own Chinese catalogue lacks)."""

import pytest

from accounts.roles import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_administrator_chooses_roles_in_chinese(page, live_server, login, users, screenshot):
    agent = UserFactory(username="newagent", role=Role.CS_AGENT)
    login(page, live_server, users[Role.ADMINISTRATOR].username, PASSWORD, next_url="/admin/")
    page.goto(f"{live_server.url}/admin/accounts/user/{agent.pk}/change/")

    selector = page.locator(".selector").first
    selector.wait_for()
    text = selector.inner_text()
    screenshot("role-selector")
    assert "全选角色" in text and "全部移除角色" in text
    assert "Choose" not in text and "Remove" not in text
    assert "客服专员" in page.locator("#id_groups_to").inner_text()
    assert "质量工程师" in page.locator("#id_groups_from").inner_text()
