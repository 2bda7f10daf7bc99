"""A customer service agent registers a feedback in a real browser, in Chinese."""

import re

import pytest

from accounts.roles import Role
from feedback.models import Feedback, Status
from tests.factories import PASSWORD, ProductModelFactory
from tests.files import exe_bytes, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(db):
    return ProductModelFactory(
        code="KFR-35GW/BP3", name="智能变频空调", line__name="空调", line__code="aircon"
    )


def test_an_agent_registers_a_feedback_with_a_photo_and_sees_its_pf_number(
    page, live_server, login, screenshot, users, catalogue
):
    login(page, live_server, users[Role.CS_AGENT].username, PASSWORD)
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    page.get_by_test_id("nav-new-feedback").click()
    page.get_by_label("客户名称").fill("张先生")
    page.get_by_label("联系电话").fill("138 1234 5678")
    page.get_by_label("产品型号").select_option(label="空调 · 智能变频空调 KFR-35GW/BP3")
    page.get_by_label("购买日期").fill("2026-03-15")
    page.get_by_label("反馈渠道", exact=True).select_option(label="客服热线")
    page.get_by_label("问题描述（客户原话）").fill("空调使用1个月后，制冷效果明显下降，出风口温度18℃。")
    page.get_by_label("维修").check()
    page.get_by_label("换货").check()
    page.get_by_test_id("attachments-input").set_input_files(
        [{"name": "故障照片.png", "mimeType": "image/png", "buffer": png_bytes(40, 30)}]
    )
    screenshot("registration-form")
    page.get_by_test_id("submit-register").click()

    number = page.get_by_test_id("feedback-number").inner_text()
    assert re.fullmatch(r"PF\d{6}\d{3,}", number)
    assert "已登记" in page.content() or "待核实" in page.get_by_test_id("feedback-status").inner_text()
    assert page.get_by_test_id("attachments").get_by_text("故障照片.png").is_visible()
    thumbnail = page.locator("img[alt='故障照片.png']")
    thumbnail.evaluate("img => img.complete || new Promise(done => img.addEventListener('load', done))")
    assert thumbnail.evaluate("img => img.naturalWidth") == 40  # the image arrived (on a busy machine: later)
    screenshot("registered-detail")

    feedback = Feedback.objects.get(number=number)
    assert feedback.status == Status.REGISTERED and feedback.contact_phone == "13812345678"


def test_a_wrong_file_and_a_missing_field_are_reported_in_chinese_and_nothing_typed_is_lost(
    page, live_server, login, screenshot, users, catalogue
):
    login(page, live_server, users[Role.CS_AGENT].username, PASSWORD)
    page.goto(f"{live_server.url}/feedback/new/")
    page.get_by_label("客户名称").fill("李女士")
    page.get_by_label("问题描述（客户原话）").fill("冰箱冷藏室结霜严重")
    page.get_by_test_id("attachments-input").set_input_files(
        [
            {"name": "发票.jpg", "mimeType": "image/jpeg", "buffer": exe_bytes()},
            {"name": "现场.png", "mimeType": "image/png", "buffer": png_bytes()},
        ]
    )
    page.get_by_test_id("submit-register").click()

    errors = page.get_by_test_id("form-errors").inner_text()
    assert "表单有错误" in errors and "产品型号" in errors
    assert "“发票.jpg”不是可接受的文件类型" in page.content()
    assert page.get_by_label("客户名称").input_value() == "李女士"
    assert page.get_by_label("问题描述（客户原话）").input_value() == "冰箱冷藏室结霜严重"
    assert "现场.png" in page.get_by_test_id("stashed-files").inner_text()
    screenshot("form-errors")

    page.get_by_test_id("submit-draft").click()
    number = page.get_by_test_id("feedback-number").inner_text()
    assert "草稿" in page.get_by_test_id("feedback-status").inner_text()
    assert page.get_by_test_id("attachments").get_by_text("现场.png").is_visible()
    assert Feedback.objects.get(number=number).status == Status.DRAFT


def test_the_language_switch_turns_the_page_english(page, live_server, login, users):
    login(page, live_server, users[Role.QUALITY_ENGINEER].username, PASSWORD)
    page.goto(f"{live_server.url}/feedback/")
    assert "反馈" in page.locator("h1").inner_text()
    with page.expect_navigation():
        page.get_by_test_id("language-switch").locator("select").select_option("en")
    assert page.locator("h1").inner_text() == "Feedback"
