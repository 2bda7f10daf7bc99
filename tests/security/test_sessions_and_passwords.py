"""Hardening: a session ends after inactivity (SESSION_IDLE_MINUTES, moved forward by activity); passwords follow
rules whose every message is Chinese."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import KEY
from accounts.roles import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_session_idle_past_its_age_sends_to_the_login_page(client, users, settings):
    client.force_login(users[Role.QUALITY_ENGINEER])
    assert client.get(reverse("feedback:list")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(reverse("feedback:list"))

    assert response.status_code == 302 and response.url.startswith("/login/")
    assert settings.SESSION_COOKIE_AGE == 120 * 60


def test_activity_moves_the_end_of_the_session_forward(client, users):
    client.force_login(users[Role.QUALITY_ENGINEER])
    client.get(reverse("feedback:list"))
    key = client.session.session_key
    stale = client.session
    stale[KEY] = int(time.time()) - 3600  # the last refresh an hour ago
    stale.save()
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timezone.timedelta(minutes=5))

    client.get(reverse("feedback:list"))

    expires = Session.objects.get(pk=key).expire_date
    assert expires > timezone.now() + timezone.timedelta(minutes=110)


def test_a_request_within_the_minute_does_not_write_the_session_again(client, users):
    client.force_login(users[Role.QUALITY_ENGINEER])
    client.get(reverse("feedback:list"))
    key = client.session.session_key
    before = Session.objects.get(pk=key).expire_date

    client.get(reverse("feedback:list"))

    assert Session.objects.get(pk=key).expire_date == before


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("abc12", "密码太短，至少需要 10 个字符。"),
        ("1234567890123", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
        ("onlyletterspassword", "密码必须同时包含字母和数字。"),
    ],
)
def test_a_weak_password_is_refused_with_a_chinese_message(client, users, new_password, message):
    client.force_login(users[Role.CS_AGENT])

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    for english in ("This password", "too short", "too common", "must contain"):
        assert english not in page


def test_a_good_password_is_taken(client, users):
    client.force_login(users[Role.CS_AGENT])
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Kefu-2026-Lin", "new_password2": "Kefu-2026-Lin"},
    )
    assert response.status_code == 302
