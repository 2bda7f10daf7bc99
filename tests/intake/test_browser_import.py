"""An agent imports a dealer's workbook in a real browser: the preview names each bad row in Chinese and the
likely duplicates, the import lists the PF numbers created."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from feedback.models import Feedback
from tests.factories import PASSWORD, FeedbackFactory

from .workbooks import row, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_previews_and_imports_a_dealer_workbook(page, live_server, login, screenshot, users, aircon):
    FeedbackFactory(
        contact_phone="13800000001",
        product_model=aircon,
        feedback_time=timezone.now() - dt.timedelta(days=20),
    )
    workbook = xlsx(
        [
            row(
                customer_name="王先生",
                contact_phone="13812345678",
                feedback_time=(timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            ),
            row(customer_name="李女士", contact_phone="13912345678"),
            row(customer_name="赵先生", contact_phone="1381234"),  # row 4: a bad phone
            row(customer_name="钱女士", product_model="KFR-99XX"),  # row 5: unknown model
            row(
                customer_name="孙先生",
                contact_phone="13800000001",
                feedback_time=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            ),  # 6: duplicate
        ]
    )
    login(page, live_server, users[Role.CS_AGENT].username, PASSWORD)

    page.get_by_test_id("nav-import").click()
    with page.expect_download() as template:
        page.get_by_test_id("template-download").click()
    assert template.value.suggested_filename.endswith(".xlsx")
    page.get_by_label("工作簿（.xlsx）").set_input_files(
        [
            {
                "name": "华东区经销商5月.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": workbook,
            }
        ]
    )
    page.get_by_test_id("import-upload-submit").click()

    batch = page.get_by_test_id("import-batch")
    batch.and_(page.locator("[data-state=ready]")).wait_for()
    summary = page.get_by_test_id("import-summary").inner_text()
    assert "将导入 2 行" in summary and "2 行有错误" in summary and "1 行疑似重复" in summary
    errors = page.get_by_test_id("row-error").all_inner_texts()
    assert "第 4 行 联系电话: 不是有效的手机号或座机号（如 13812345678、0755-12345678）。" in errors
    assert "第 5 行 产品型号: 未知的型号“KFR-99XX”（产品目录中没有）。" in errors
    screenshot("preview-errors")
    page.get_by_test_id("tab-duplicate").click()
    assert page.get_by_test_id("import-row").count() == 1
    screenshot("preview-duplicates")

    page.get_by_test_id("import-start").click()
    page.locator("[data-testid=import-batch][data-state=imported]").wait_for()
    created = page.get_by_test_id("created-number").all_inner_texts()
    assert len(created) == 2
    assert sorted(created) == sorted(
        Feedback.objects.filter(customer_name__in=["王先生", "李女士"]).values_list("number", flat=True)
    )
    screenshot("imported")
