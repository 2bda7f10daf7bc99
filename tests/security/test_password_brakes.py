"""Issue 11, finding 9: passwords cannot be guessed, through any way in.

- the API's HTTP Basic authentication had no limit (40 wrong passwords, then the right one: 200);
- an account is locked after 10 wrong passwords in a row, through the form, the API or both, until an
  administrator unlocks it; the right password alone does not unlock it;
- an address is braked after 30 failures in 10 minutes, whatever the usernames; another address is not;
- successful logins and API calls are never braked."""

import base64

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _api_get(username: str, password: str, ip: str = "10.1.1.1"):
    return APIClient().get(
        reverse("api-feedback-list"), HTTP_AUTHORIZATION=_basic(username, password), REMOTE_ADDR=ip
    )


def _form_login(client, username: str, password: str, ip: str = "10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def quality():
    return UserFactory(username="quality_guess", role=Role.QUALITY_ENGINEER)


def test_forty_wrong_basic_passwords_then_the_right_one_is_refused(quality):
    answers = [_api_get("quality_guess", f"wrong-{i}").status_code for i in range(40)]
    right = _api_get("quality_guess", PASSWORD)

    assert answers[:9] == [401] * 9
    assert set(answers[9:]) <= {403, 429}
    assert right.status_code == 403
    assert right.json() == {"detail": "该账号因多次密码错误已被锁定，请联系管理员解锁。"}


def test_correct_basic_credentials_are_never_braked(quality):
    answers = {_api_get("quality_guess", PASSWORD).status_code for _ in range(60)}
    assert answers == {200}


def test_ten_wrong_passwords_lock_the_account_until_an_administrator_unlocks_it(client, quality, users):
    for i in range(10):
        assert _form_login(client, "quality_guess", f"wrong-{i}").status_code in (200, 403)

    locked = _form_login(client, "quality_guess", PASSWORD)

    assert locked.status_code == 403
    assert "该账号因多次密码错误已被锁定" in locked.content.decode()
    assert 'value="quality_guess"' in locked.content.decode()  # what was typed is kept
    assert "_auth_user_id" not in client.session

    admin = client.__class__()
    admin.force_login(users[Role.ADMINISTRATOR])
    listed = admin.get(reverse("admin:accounts_user_changelist"), {"q": "quality_guess"})
    assert "已锁定" in listed.content.decode()
    unlocked = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_accounts", "_selected_action": [quality.pk]},
        follow=True,
    )
    assert "已解锁：quality_guess" in unlocked.content.decode()

    assert _form_login(client, "quality_guess", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(quality.pk)


def test_the_form_and_the_api_count_together(client, quality):
    for i in range(5):
        _form_login(client, "quality_guess", f"form-{i}")
        _api_get("quality_guess", f"api-{i}")

    assert _api_get("quality_guess", PASSWORD).status_code == 403
    assert _form_login(client, "quality_guess", PASSWORD).status_code == 403


def test_a_right_password_before_the_limit_resets_the_count(client, quality):
    for i in range(9):
        _form_login(client, "quality_guess", f"wrong-{i}")
    assert _form_login(client, "quality_guess", PASSWORD).status_code == 302
    client.logout()
    for i in range(9):
        _form_login(client, "quality_guess", f"again-{i}")
    assert _form_login(client, "quality_guess", PASSWORD).status_code == 302


def test_an_address_is_braked_after_thirty_failures_whatever_the_usernames(client, quality):
    for i in range(30):
        _form_login(client, f"nobody{i}", "guess", ip="10.9.9.9")

    braked = _form_login(client, "quality_guess", PASSWORD, ip="10.9.9.9")
    braked_api = _api_get("quality_guess", PASSWORD, ip="10.9.9.9")
    elsewhere = _form_login(client.__class__(), "quality_guess", PASSWORD, ip="10.7.7.7")

    assert braked.status_code == 429
    assert "登录失败次数过多" in braked.content.decode()
    assert braked_api.status_code == 429
    assert elsewhere.status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_is_braked_not_the_proxy(client, quality, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for i in range(30):
        client.post(
            reverse("login"),
            {"username": f"nobody{i}", "password": "guess"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    other_client = client.__class__().post(
        reverse("login"),
        {"username": "quality_guess", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )
    assert other_client.status_code == 302
