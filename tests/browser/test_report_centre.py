"""Quality requests a range report in 报表中心, watches a real worker build it (the row updates itself: no reload)
and downloads the workbook."""

import datetime as dt

import pytest
from openpyxl import load_workbook

from accounts.roles import Role
from reports.models import ReportRun
from tests.factories import PASSWORD
from tests.reports.runs_data import small_month

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quality_requests_a_range_report_watches_it_finish_and_downloads_it(
    page, live_server, login, screenshot, users, celery_worker, tmp_path
):
    small_month(2026, 9)
    login(page, live_server, users[Role.QUALITY_ENGINEER].username, PASSWORD)
    page.goto(f"{live_server.url}/reports/runs/")
    assert page.get_by_role("heading", name="报表中心").is_visible()

    # a bad range first: the message in Chinese, the input kept
    page.get_by_label("开始日期").fill("2026-09-30")
    page.get_by_label("结束日期").fill("2026-09-01")
    page.get_by_test_id("report-request-submit").click()
    assert page.get_by_test_id("error-end").inner_text() == "结束日期早于开始日期。"
    assert page.get_by_label("开始日期").input_value() == "2026-09-30"
    screenshot("bad-range")

    page.get_by_label("开始日期").fill("2026-09-01")
    page.get_by_label("结束日期").fill("2026-09-20")
    page.get_by_test_id("report-request-submit").click()
    run = ReportRun.objects.get()
    assert (run.kind, run.period_start, run.period_end) == (
        "range",
        dt.date(2026, 9, 1),
        dt.date(2026, 9, 20),
    )
    row = page.locator(f"#report-run-{run.pk}")
    row.wait_for()
    page.evaluate("window.__stayed = true")  # gone if the page reloads
    seen = {row.get_attribute("data-status")}
    screenshot("requested")
    for _ in range(300):
        status = row.get_attribute("data-status")
        seen.add(status)
        if status in ("done", "failed"):
            break
        page.wait_for_timeout(100)
    assert row.get_attribute("data-status") == "done", row.inner_text()
    assert page.evaluate("window.__stayed === true")  # the row changed in place, by htmx
    assert seen & {"queued", "running"}
    assert "已完成" in row.get_by_test_id("report-status").inner_text()
    screenshot("done")

    with page.expect_download() as download:
        row.get_by_test_id("report-download").click()
    assert download.value.suggested_filename == "售后反馈分析报告_20260901-20260920.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = load_workbook(saved)
    assert book["明细"].max_row == 1 + 6  # the feedbacks of 1-20 September (the 30th is out)
