"""Issue 11, finding 2: no English leaks into the Chinese UI.

- what one may not see, a page that does not exist, a refusal and a server error answer Chinese pages
  (404/403/500 templates), also with DEBUG on, as under ``make run`` for a developer: a feedback one may not see
  never shows Django's English debug page ("Page not found (404) / No Feedback matches the given query");
- the API's 404 (and 403) bodies are in the requested language (Chinese by default), never Django's English
  "No Feedback matches the given query";
- the admin shows the role groups by their Chinese labels."""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import FeedbackFactory, UserFactory

pytestmark = pytest.mark.django_db

ENGLISH = ("Page not found", "No Feedback matches", "not found on this server", "Forbidden", "Server Error")


def _assert_chinese(body: str) -> None:
    assert 'lang="zh-hans"' in body
    for phrase in ENGLISH:
        assert phrase not in body, phrase


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_feedback_one_may_not_see_answers_the_chinese_404_page(client, users, debug):
    hidden = FeedbackFactory()  # registered by another agent, assigned to nobody
    client.force_login(users[Role.DEPT_MEMBER])

    with override_settings(DEBUG=debug):
        response = client.get(reverse("feedback:detail", args=[hidden.number]))

    assert response.status_code == 404
    body = response.content.decode()
    _assert_chinese(body)
    assert "页面不存在" in body and "返回我的工作台" in body


def test_a_page_that_does_not_exist_answers_the_chinese_404_page(client, users):
    client.force_login(users[Role.CS_AGENT])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    _assert_chinese(response.content.decode())
    assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_refused_page_answers_the_chinese_403_page(client, users, debug):
    client.force_login(users[Role.DEPT_MEMBER])  # may not register feedback
    with override_settings(DEBUG=debug):
        response = client.get(reverse("feedback:create"))
    assert response.status_code == 403
    body = response.content.decode()
    _assert_chinese(body)
    assert "没有权限" in body


def test_a_server_error_answers_the_chinese_500_page():
    request = RequestFactory().get("/feedback/")
    handler = get_resolver().resolve_error_handler(500)

    response = handler(request)

    assert response.status_code == 500
    body = response.content.decode()
    _assert_chinese(body)
    assert "服务器出错" in body


def test_the_api_404_body_is_chinese_by_default_and_english_on_request(users):
    hidden = FeedbackFactory()
    api = APIClient()
    api.force_authenticate(users[Role.DEPT_MEMBER])
    url = reverse("api-feedback-detail", args=[hidden.number])

    chinese = api.get(url)
    english = api.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.status_code == english.status_code == 404
    assert chinese.json() == {"detail": "未找到。"}
    assert english.json() == {"detail": "Not found."}


def test_an_unknown_api_path_answers_json_not_an_html_page(users):
    api = APIClient()
    api.force_authenticate(users[Role.QUALITY_ENGINEER])
    response = api.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到。"}


def test_the_admin_shows_role_groups_by_their_chinese_labels(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    groups = client.get(reverse("admin:auth_group_changelist")).content.decode()
    user_form = client.get(reverse("admin:accounts_user_change", args=[UserFactory(role=Role.CS_AGENT).pk]))
    users_list = client.get(reverse("admin:accounts_user_changelist")).content.decode()

    labels = ["客服专员", "客服主管", "质量工程师", "责任部门人员", "部门负责人", "管理层", "系统管理员"]
    for label in labels:
        assert label in groups, label
        assert label in user_form.content.decode(), label
        assert label in users_list, label
    for code in ("cs_agent", "dept_member", "management"):
        assert f">{code}<" not in groups and f">{code}</" not in user_form.content.decode()
        assert f">{code}</a>" not in users_list


def test_a_role_lists_what_it_may_do_in_chinese_and_cannot_be_edited_in_the_admin(client):
    from django.contrib.auth.models import Group

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    quality = Group.objects.get(name=Role.QUALITY_ENGINEER)

    page = client.get(reverse("admin:auth_group_change", args=[quality.pk])).content.decode()
    posted = client.post(reverse("admin:auth_group_change", args=[quality.pk]), {"name": "hacked"})

    assert "可核实、分类、分级和分派反馈" in page and "查看反馈单" in page
    assert "Can " not in page
    assert posted.status_code == 403
    quality.refresh_from_db()
    assert quality.name == Role.QUALITY_ENGINEER
