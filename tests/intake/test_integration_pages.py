"""The administrator's integration pages: only the administrator; the token is shown once and works; revoking
it stops it; the last use is shown."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from intake.models import Integration, IntegrationToken

pytestmark = pytest.mark.django_db

NOT_ADMIN = [
    Role.CS_AGENT,
    Role.CS_SUPERVISOR,
    Role.QUALITY_ENGINEER,
    Role.DEPT_MEMBER,
    Role.DEPT_HEAD,
    Role.MANAGEMENT,
]


def routes(integration, token):
    return [
        ("get", reverse("intake:integration_list")),
        ("get", reverse("intake:integration_create")),
        ("post", reverse("intake:integration_create")),
        ("get", reverse("intake:integration_detail", args=[integration.pk])),
        ("post", reverse("intake:integration_detail", args=[integration.pk])),
        ("post", reverse("intake:token_issue", args=[integration.pk])),
        ("post", reverse("intake:token_revoke", args=[integration.pk, token.pk])),
    ]


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_nobody_but_the_administrator_manages_integrations(client, users, online, role):
    integration, _token = online
    token = IntegrationToken.objects.get(integration=integration)
    client.force_login(users[role])
    for method, url in routes(integration, token):
        assert getattr(client, method)(url, {"name": "x", "channel": "dealer"}).status_code == 404, (
            role,
            url,
        )
    assert Integration.objects.count() == 1
    assert IntegrationToken.objects.get().revoked_at is None


def test_anonymous_users_are_sent_to_log_in(client, online):
    integration, _token = online
    token = IntegrationToken.objects.get(integration=integration)
    for method, url in routes(integration, token):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_administrator_creates_an_integration_and_sees_its_token_once(client, users, aircon):
    client.force_login(users[Role.ADMINISTRATOR])

    missing = client.post(reverse("intake:integration_create"), {"name": "", "channel": "dealer"})
    assert missing.status_code == 400 and "该字段是必填项" in missing.content.decode()

    response = client.post(
        reverse("intake:integration_create"),
        {"name": "经销商门户", "channel": "dealer", "default_owner": users[Role.CS_AGENT].pk},
        follow=True,
    )
    page = response.content.decode()
    token = response.context["new_token"]
    assert token.startswith("pfk_") and token in page and "只显示这一次" in page
    integration = Integration.objects.get(name="经销商门户")
    assert integration.default_owner == users[Role.CS_AGENT]
    assert IntegrationToken.objects.get(integration=integration).digest != token  # stored hashed
    assert (
        token not in client.get(reverse("intake:integration_detail", args=[integration.pk])).content.decode()
    )

    # the token works, and the page shows when it was last used
    used = client.get("/api/intake/feedback/", headers={"Authorization": f"Bearer {token}"})
    assert used.status_code == 200
    page = client.get(reverse("intake:integration_detail", args=[integration.pk])).content.decode()
    assert "从未使用" not in page

    # revoked: refused from then on; a new one works
    client.post(reverse("intake:token_revoke", args=[integration.pk, IntegrationToken.objects.get().pk]))
    assert (
        client.get("/api/intake/feedback/", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    new = client.post(reverse("intake:token_issue", args=[integration.pk]), follow=True).context["new_token"]
    assert client.get("/api/intake/feedback/", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_the_owner_must_be_customer_service(client, users):
    client.force_login(users[Role.ADMINISTRATOR])
    response = client.post(
        reverse("intake:integration_create"),
        {"name": "12315 平台", "channel": "third_party", "default_owner": users[Role.QUALITY_ENGINEER].pk},
    )
    assert response.status_code == 400
    assert not Integration.objects.exists()
