"""The import pages through HTTP: who may use them, the preview page, the import in a real worker with its
progress, the result with the numbers."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from feedback.models import Feedback
from intake.imports import batch_check, batch_upload
from intake.models import ImportBatch

from .workbooks import row, xlsx

pytestmark = pytest.mark.django_db

NOT_CS = [Role.QUALITY_ENGINEER, Role.DEPT_MEMBER, Role.DEPT_HEAD, Role.MANAGEMENT, Role.ADMINISTRATOR]


@pytest.fixture
def batch(users, aircon):
    uploaded = batch_upload(
        actor=users[Role.CS_AGENT], upload=SimpleUploadedFile("a.xlsx", xlsx([row(), row(contact_phone="1")]))
    )
    return batch_check(uploaded.pk)


def routes(batch):
    return [
        ("get", reverse("intake:import_home")),
        ("post", reverse("intake:import_home")),
        ("get", reverse("intake:import_template")),
        ("get", reverse("intake:import_batch", args=[batch.pk])),
        ("post", reverse("intake:import_start", args=[batch.pk])),
        ("post", reverse("intake:import_cancel", args=[batch.pk])),
    ]


@pytest.mark.parametrize("role", NOT_CS)
def test_only_customer_service_imports(client, users, batch, role):
    client.force_login(users[role])
    for method, url in routes(batch):
        assert getattr(client, method)(url).status_code == 404, (role, url)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.READY


def test_another_agent_s_import_is_a_404_but_the_supervisor_sees_it(client, users, batch):
    client.force_login(users["other_agent"])
    for method, url in routes(batch)[3:]:
        assert getattr(client, method)(url).status_code == 404
    client.force_login(users[Role.CS_SUPERVISOR])
    assert client.get(reverse("intake:import_batch", args=[batch.pk])).status_code == 200


def test_anonymous_users_log_in_first(client, batch):
    for method, url in routes(batch):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_preview_page_lists_errors_with_row_and_column(client, users, batch):
    client.force_login(users[Role.CS_AGENT])
    page = client.get(reverse("intake:import_batch", args=[batch.pk]), {"show": "error"}).content.decode()

    assert "将导入 1 行" in page and "1 行有错误" in page
    assert "第 3 行 联系电话: 不是有效的手机号或座机号" in page


def test_a_refused_upload_keeps_the_page_and_says_why(client, users):
    client.force_login(users[Role.CS_AGENT])
    response = client.post(
        reverse("intake:import_home"), {"workbook": SimpleUploadedFile("a.xlsx", b"hello")}
    )
    assert response.status_code == 400
    assert "不是 Excel 工作簿" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_large_workbook_is_checked_and_imported_by_the_worker_with_progress(
    client, users, aircon, celery_worker
):
    agent = users[Role.CS_AGENT]
    client.force_login(agent)
    rows = [row(contact_phone=f"139{n:08d}", customer_name=f"客户{n}") for n in range(300)]

    client.post(reverse("intake:import_home"), {"workbook": SimpleUploadedFile("大批量.xlsx", xlsx(rows))})
    batch = ImportBatch.objects.get()
    celery_worker.wait_for(
        lambda: ImportBatch.objects.filter(pk=batch.pk, state="ready").exists(), timeout=60
    )
    assert client.get(reverse("intake:import_batch", args=[batch.pk])).context["batch"].good_rows == 300

    client.post(reverse("intake:import_start", args=[batch.pk]))
    seen = set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        polled = client.get(reverse("intake:import_batch", args=[batch.pk]), headers={"HX-Request": "true"})
        current = polled.context["batch"]
        if current.state == "importing":
            seen.add(current.progress_done)
            assert 'hx-trigger="every 1s"' in polled.content.decode()
        if current.state in ("imported", "failed"):
            break
        time.sleep(0.2)

    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.IMPORTED, batch.message
    assert Feedback.objects.count() == 300
    if connection.vendor == "postgresql":  # SQLite has one writer at a time: there the bar moves at the end
        assert any(0 < done < 300 for done in seen), seen  # the bar moved while the transaction was open
    result = client.get(
        reverse("intake:import_batch", args=[batch.pk]), {"show": "imported"}
    ).content.decode()
    first = Feedback.objects.order_by("number").first().number
    assert first in result and 'hx-trigger="every 1s"' not in result
