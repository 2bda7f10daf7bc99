"""报表中心 over HTTP: who sees it, the request form's answers to bad input (Chinese, input kept), the row htmx
polls, downloads and retries; and the same through the API."""

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.roles import Role
from reports.models import ReportRun
from tests.factories import PASSWORD, ProductLineFactory

from .runs_data import last_month

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORTS = [Role.QUALITY_ENGINEER, Role.MANAGEMENT]
NOT_REPORTS = [Role.DEPT_HEAD, Role.DEPT_MEMBER, Role.CS_AGENT, Role.CS_SUPERVISOR, Role.ADMINISTRATOR]


def _run(status="done", **fields) -> ReportRun:
    run = ReportRun.objects.create(
        kind="range",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 20),
        status=status,
        **fields,
    )
    if status == "done":
        run.file.save("r.xlsx", ContentFile(b"PK\x03\x04 a workbook"), save=False)
        run.file_size = 20
        run.save()
    return run


def _as(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", REPORTS)
def test_quality_and_management_see_every_report_newest_first_and_download(client, users, role):
    older = _run(created_at=timezone.now() - dt.timedelta(days=40))
    newer = _run("failed", error="磁盘已满")
    _as(client, users[role])
    page = client.get("/reports/runs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(f'data-run="{newer.pk}"') < html.index(f'data-run="{older.pk}"')
    assert ("磁盘已满" in html and "重试" in html) or "Retry" in html
    download = client.get(f"/reports/runs/{older.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert b"".join(download.streaming_content) == b"PK\x03\x04 a workbook"
    assert "attachment" in download["Content-Disposition"]
    assert client.get(f"/reports/runs/{newer.pk}/download/").status_code == 404


@pytest.mark.parametrize("role", NOT_REPORTS)
def test_everybody_else_gets_404_pages_downloads_and_api(client, users, role):
    run = _run()
    _as(client, users[role])
    for url in ("/reports/runs/", f"/reports/runs/{run.pk}/", f"/reports/runs/{run.pk}/download/"):
        assert client.get(url).status_code == 404, url
    assert client.post("/reports/runs/", {"month": last_month().start.strftime("%Y-%m")}).status_code == 404
    assert client.post(f"/reports/runs/{run.pk}/retry/").status_code == 404
    auth = {"HTTP_AUTHORIZATION": _basic(users[role].username)}
    client.logout()
    for url in (
        "/api/reports/runs/",
        f"/api/reports/runs/{run.pk}/",
        f"/api/reports/runs/{run.pk}/download/",
    ):
        assert client.get(url, **auth).status_code == 404, url
    assert (
        client.post(
            "/api/reports/runs/", {"month": "2026-10"}, content_type="application/json", **auth
        ).status_code
        == 404
    )
    assert not ReportRun.objects.exclude(pk=run.pk).exists()


def test_anonymous_is_sent_to_log_in_and_the_api_answers_401(client):
    run = _run()
    assert client.get("/reports/runs/").status_code == 302
    assert client.get(f"/reports/runs/{run.pk}/download/").status_code == 302
    assert client.get("/api/reports/runs/").status_code == 401


def test_a_request_records_the_run_and_leaves_the_build_to_the_worker(
    client, users, django_capture_on_commit_callbacks
):
    _as(client, users[Role.QUALITY_ENGINEER])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/reports/runs/", {"start": "2026-10-01", "end": "2026-10-15"})
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?run={run.pk}")
    assert run.status == "queued" and not run.file and run.kind == "range"
    assert len(callbacks) == 1  # the build task, enqueued after the commit
    page = client.get(response["Location"])
    row = _row(page.content.decode(), run.pk)
    assert f'hx-get="/reports/runs/{run.pk}/"' in row and 'hx-trigger="every 1s"' in row


@pytest.mark.parametrize(
    "data, field",
    [
        ({"start": "2026-10-20", "end": "2026-10-01"}, "end"),  # end before start
        ({"month": "2099-01"}, "month"),  # a future month
        ({"start": "2023-01-01", "end": "2025-06-30"}, "end"),  # over 24 months
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-10", "product_line": "999999"}, "product_line"),  # unknown product line
        ({}, "month"),  # nothing chosen
    ],
)
def test_bad_input_is_a_chinese_message_on_the_page_and_the_input_is_kept(client, users, data, field):
    ProductLineFactory(code="aircon", name="空调")
    _as(client, users[Role.MANAGEMENT])
    response = client.post("/reports/runs/", data)
    assert response.status_code == 400
    html = response.content.decode()
    errors = re.findall(rf'data-testid="error-{field}">([^<]+)<', html)
    assert errors and CJK.search(errors[0]), html
    for name, value in data.items():
        if name != "product_line":
            assert f'value="{value}"' in html
    assert not ReportRun.objects.exists()


def _row(html: str, pk: int) -> str:
    match = re.search(rf'<tr id="report-run-{pk}".*?</tr>', html, re.S)
    assert match, html
    return match.group(0)


def test_the_row_shows_queued_running_done_and_failed(client, users):
    _as(client, users[Role.QUALITY_ENGINEER])
    running = _run("running", progress=42)
    row = client.get(f"/reports/runs/{running.pk}/").content.decode()
    assert "42%" in row and 'value="42"' in row and "hx-get" in row and "report-download" not in row
    done = _run()
    row = client.get(f"/reports/runs/{done.pk}/").content.decode()
    assert "hx-get" not in row and f"/reports/runs/{done.pk}/download/" in row
    failed = _run("failed", error="工作簿生成失败：磁盘已满")
    row = client.get(f"/reports/runs/{failed.pk}/").content.decode()
    assert (
        "工作簿生成失败：磁盘已满" in row
        and f"/reports/runs/{failed.pk}/retry/" in row
        and "hx-get" not in row
    )
    for html in (row,):
        assert "style=" not in html and "<script" not in html and " on" not in re.sub(r'"[^"]*"', "", html)


def test_a_failed_report_is_retried_from_the_page(client, users, django_capture_on_commit_callbacks):
    failed = _run("failed", error="x")
    _as(client, users[Role.MANAGEMENT])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/reports/runs/{failed.pk}/retry/")
    assert response.status_code == 302 and len(callbacks) == 1
    failed.refresh_from_db()
    assert failed.status == "queued" and failed.error == ""
    done = _run()
    response = client.post(f"/reports/runs/{done.pk}/retry/", follow=True)
    assert (
        "只有失败的报表" in response.content.decode() or "Only a failed report" in response.content.decode()
    )


# --- the API ------------------------------------------------------------------------------------------------------
def _basic(username: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()


def test_the_api_requests_a_month_once_reads_its_status_and_downloads(
    client, users, django_capture_on_commit_callbacks
):
    auth = {"HTTP_AUTHORIZATION": _basic(users[Role.QUALITY_ENGINEER].username)}
    month = last_month().start.strftime("%Y-%m")
    with django_capture_on_commit_callbacks(execute=False):
        created = client.post("/api/reports/runs/", {"month": month}, content_type="application/json", **auth)
        again = client.post("/api/reports/runs/", {"month": month}, content_type="application/json", **auth)
    assert created.status_code == 201 and again.status_code == 200
    body = created.json()
    assert again.json()["id"] == body["id"] and body["kind"] == "monthly" and body["status"] == "queued"
    assert body["download_url"] is None
    not_ready = client.get(f"/api/reports/runs/{body['id']}/download/", **auth)
    assert not_ready.status_code == 409 and CJK.search(not_ready.json()["detail"])
    listed = client.get("/api/reports/runs/", **auth).json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]

    done = _run()
    status = client.get(f"/api/reports/runs/{done.pk}/", **auth).json()
    assert status["status"] == "done" and status["download_url"] == f"/api/reports/runs/{done.pk}/download/"
    download = client.get(status["download_url"], HTTP_ACCEPT=XLSX, **auth)
    assert download.status_code == 200 and download["Content-Type"] == XLSX


@pytest.mark.parametrize(
    "data, field",
    [
        ({"start": "2026-10-20", "end": "2026-10-01"}, "end"),
        ({"month": "2099-01"}, "month"),
        ({"start": "2023-01-01", "end": "2025-06-30"}, "end"),
        ({"month": "2026-10", "product_line": 999999}, "product_line"),
        ({}, "month"),
    ],
)
def test_the_api_answers_bad_input_with_400_and_chinese_field_errors(client, users, data, field):
    auth = {"HTTP_AUTHORIZATION": _basic(users[Role.MANAGEMENT].username)}
    response = client.post("/api/reports/runs/", data, content_type="application/json", **auth)
    assert response.status_code == 400
    messages = response.json()[field]
    assert messages and CJK.search(messages[0]), response.json()
    assert not ReportRun.objects.exists()


def test_the_api_refuses_unknown_parameters_and_missing_runs(client, users):
    auth = {"HTTP_AUTHORIZATION": _basic(users[Role.MANAGEMENT].username)}
    assert client.get("/api/reports/runs/?colour=red", **auth).status_code == 400
    assert client.get("/api/reports/runs/99999/", **auth).status_code == 404
    assert client.get("/api/reports/runs/99999/download/", **auth).status_code == 404
