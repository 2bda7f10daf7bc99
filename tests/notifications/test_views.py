"""The bell and the notification page, through HTTP: a user sees and marks only their own notices."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from notifications.models import Notification
from notifications.services import notify
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(client):
    user = UserFactory(username="alice", role=Role.CS_AGENT)
    client.login(username=user.username, password=PASSWORD)
    return user


@pytest.fixture
def bob():
    return UserFactory(username="bob", role=Role.CS_AGENT)


def test_the_pages_need_a_login(client):
    for name in ("notifications:list", "notifications:bell"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_a_user_sees_only_their_own_notices(client, alice, bob):
    notify(recipients=[alice], kind="test", subject="给Alice的通知")
    notify(recipients=[bob], kind="test", subject="给Bob的通知")

    html = client.get(reverse("notifications:list")).content.decode()

    assert "给Alice的通知" in html
    assert "给Bob的通知" not in html


def test_the_notice_is_shown_in_the_reader_s_language(client, alice):
    from django.utils.translation import gettext_lazy as _

    notify(recipients=[alice], kind="test", subject=_("Notifications"))

    chinese = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("notifications:list")).content.decode()

    notice = Notification.objects.get()
    assert notice.subject["en"] == "Notifications"
    assert notice.subject["zh-hans"] != "Notifications"
    assert notice.subject["zh-hans"] in chinese
    assert ">Notifications</button>" in english or ">Notifications</span>" in english


def test_the_bell_counts_unread_notices(client, alice, bob):
    notify(recipients=[alice], kind="test", subject="一")
    notify(recipients=[alice], kind="test", subject="二")
    notify(recipients=[bob], kind="test", subject="三")

    html = client.get(reverse("notifications:bell")).content.decode()

    assert 'data-testid="notification-unread">2<' in html


def test_marking_one_read_and_all_read(client, alice):
    notify(recipients=[alice], kind="test", subject="一")
    notify(recipients=[alice], kind="test", subject="二")
    first, second = Notification.objects.order_by("id")

    client.post(reverse("notifications:read", args=[first.pk]))
    first.refresh_from_db()
    assert first.read_at is not None
    assert (
        'data-testid="notification-unread">1<' in client.get(reverse("notifications:bell")).content.decode()
    )

    client.post(reverse("notifications:read_all"))
    second.refresh_from_db()
    assert second.read_at is not None
    assert (
        'data-testid="notification-unread"' not in client.get(reverse("notifications:bell")).content.decode()
    )


def test_marking_read_over_htmx_returns_the_item_and_the_new_bell(client, alice):
    notify(recipients=[alice], kind="test", subject="一")
    notice = Notification.objects.get()

    response = client.post(reverse("notifications:read", args=[notice.pk]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert f'id="notification-{notice.pk}"' in html
    assert 'hx-swap-oob="true"' in html


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, alice):
    notify(recipients=[alice], kind="test", subject="一", url="/feedback/")
    notice = Notification.objects.get()

    response = client.post(reverse("notifications:open", args=[notice.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/feedback/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_someone_else_s_notice_is_not_found(client, alice, bob):
    notify(recipients=[bob], kind="test", subject="Bob的", url="/feedback/")
    notice = Notification.objects.get()

    assert client.post(reverse("notifications:read", args=[notice.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[notice.pk])).status_code == 404
    client.post(reverse("notifications:read_all"))
    notice.refresh_from_db()
    assert notice.read_at is None


def test_marking_read_needs_a_post(client, alice):
    notify(recipients=[alice], kind="test", subject="一")
    notice = Notification.objects.get()

    assert client.get(reverse("notifications:read", args=[notice.pk])).status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None


def test_an_external_link_is_not_followed(client, alice):
    notify(recipients=[alice], kind="test", subject="一", url="https://evil.example.com/")
    notice = Notification.objects.get()

    response = client.post(reverse("notifications:open", args=[notice.pk]))

    assert response["Location"] == reverse("notifications:list")
