"""The chaos harness's world: the people and data it works with (test factories), a logged-in browser on the web
server, and counting the e-mails that were sent (Django's file backend)."""

from __future__ import annotations

import email
import re
import sys
import time
from collections import Counter
from email.header import decode_header, make_header
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "Chaos-2026-pw"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
INHERIT_NOT = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
}


def say(message: str) -> None:
    sys.stdout.write(f"[chaos] {message}\n")
    sys.stdout.flush()


# --- counting what was sent -------------------------------------------------------------------------------------
def sent_mail(folder: Path) -> Counter:
    """(recipient, subject) → how many e-mails were sent."""
    counts: Counter = Counter()
    for path in folder.glob("*.log"):
        for chunk in path.read_bytes().split(SEPARATOR):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk)
            subject = str(make_header(decode_header(message.get("Subject", ""))))
            counts[(message.get("To", ""), subject)] += 1
    return counts


# --- the world --------------------------------------------------------------------------------------------------
class World:
    def __init__(self):
        from accounts.roles import Role
        from tests.factories import (
            DepartmentFactory,
            FaultPhenomenonFactory,
            ProductModelFactory,
            UserFactory,
        )

        cs = DepartmentFactory(code="cs", name="客服部")
        quality = DepartmentFactory(code="quality", name="质量部")
        self.agent = UserFactory(username="c_agent", role=Role.CS_AGENT, department=cs, password=PASSWORD)
        self.supervisor = UserFactory(
            username="c_super", role=Role.CS_SUPERVISOR, department=cs, password=PASSWORD
        )
        self.quality = UserFactory(
            username="c_quality", role=Role.QUALITY_ENGINEER, department=quality, password=PASSWORD
        )
        self.boss = UserFactory(username="c_boss", role=Role.MANAGEMENT, password=PASSWORD)
        self.model = ProductModelFactory()
        self.phenomenon = FaultPhenomenonFactory(name="漏电")

    def feedbacks(self, n: int, **fields):
        from tests.factories import FeedbackFactory

        return [
            FeedbackFactory(registered_by=self.agent, product_model=self.model, **fields) for _ in range(n)
        ]

    def overdue_clocks(self, n: int):
        """``n`` feedbacks whose registration deadline passed days ago: the next sweep finds them overdue."""
        import datetime as dt

        from django.utils import timezone

        from sla.models import ClockKind
        from sla.services import clock_start

        made = self.feedbacks(n, feedback_time=timezone.now() - dt.timedelta(days=6))
        return [clock_start(feedback=f, kind=ClockKind.REGISTRATION, start=f.feedback_time) for f in made]


class Browser:
    """A logged-in person on the web server (session cookie, CSRF token)."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.session = requests.Session()
        page = self.session.get(f"{base}/login/", timeout=30)
        self.session.post(
            f"{base}/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self._token(page.text)},
            headers={"Referer": f"{base}/login/"},
            timeout=30,
        ).raise_for_status()
        assert "sessionid" in self.session.cookies, f"{username} could not log in"

    @staticmethod
    def _token(html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def post_form(self, path: str, data: dict, timeout: float = 30) -> requests.Response:
        page = self.session.get(f"{self.base}{path}", timeout=timeout)
        return self.session.post(
            f"{self.base}{path}",
            data={**data, "csrfmiddlewaretoken": self._token(page.text)},
            headers={"Referer": f"{self.base}{path}"},
            allow_redirects=False,
            timeout=timeout,
        )


def fresh_db() -> None:
    from django.db import close_old_connections, connections

    close_old_connections()
    for connection in connections.all():
        connection.close_if_unusable_or_obsolete()


def wait_until(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh_db()
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
