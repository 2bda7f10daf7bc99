"""The administrator's working-day calendar, in a real browser: official holidays and make-up days are marked,
and overriding a day moves the deadlines that run across it."""

import datetime as dt
import zoneinfo

import pytest

from accounts.roles import Role
from feedback.models import Feedback
from feedback.services import feedback_register
from tests.factories import PASSWORD

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_administrator_sees_the_official_calendar_and_an_override_moves_a_running_deadline(
    page, live_server, login, screenshot, users
):
    # given a draft received on Tuesday 2026-12-29 at 10:00, due the end of Wednesday 2026-12-30
    received = dt.datetime(2026, 12, 29, 10, 0, tzinfo=SHANGHAI)
    draft = feedback_register(
        actor=users[Role.CS_AGENT],
        data={"customer_name": "年底客户", "feedback_time": received},
        complete=False,
        at=received,
    )
    assert draft.registration_due_at.astimezone(SHANGHAI).date() == dt.date(2026, 12, 30)

    login(page, live_server, users[Role.ADMINISTRATOR].username, PASSWORD)
    page.goto(f"{live_server.url}/calendar/2025/")
    assert page.locator("td[data-date='2025-10-01']").get_attribute("data-kind") == "holiday"
    assert page.locator("td[data-date='2025-10-11']").get_attribute("data-kind") == "makeup"
    assert page.locator("td[data-date='2025-10-13']").get_attribute("data-kind") != "holiday"
    screenshot("calendar-2025")

    # when the administrator makes 2026-12-30 a company day off
    page.goto(f"{live_server.url}/calendar/2026/")
    page.locator("td[data-date='2026-12-30'] a").click()
    page.get_by_test_id("day-status").wait_for()
    page.get_by_label("不上班", exact=False).first.check()
    page.locator("#day-panel input[name=name]").fill("公司年会")
    page.get_by_test_id("day-save").click()
    page.wait_for_load_state()

    # then the day is marked as overridden, and the draft's deadline moved to the next working day
    cell = page.locator("td[data-date='2026-12-30']")
    assert cell.get_attribute("data-kind") == "holiday" and cell.get_attribute("data-source") == "override"
    screenshot("calendar-2026-override")
    draft = Feedback.objects.get(pk=draft.pk)
    assert draft.registration_due_at.astimezone(SHANGHAI).date() == dt.date(2026, 12, 31)


@pytest.mark.parametrize("who", [Role.CS_AGENT, Role.QUALITY_ENGINEER, Role.MANAGEMENT])
def test_other_roles_do_not_get_the_calendar(page, live_server, login, users, who):
    login(page, live_server, users[who].username, PASSWORD)
    assert "工作日历" not in page.locator("nav").inner_text()
    response = page.goto(f"{live_server.url}/calendar/2026/")
    assert response.status == 404
