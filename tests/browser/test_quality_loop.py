"""One feedback carried from registration to closed in a real browser, in Chinese, by the user of each role in
turn; a screenshot of each role's page is saved under test-results/screenshots/<this test>/."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from corrective_actions.models import Capa, CapaStatus, Measure
from feedback.models import Callback, Feedback, Status
from tests.factories import PASSWORD, FaultPhenomenonFactory, ProductModelFactory
from tests.files import pdf_bytes, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(db):
    model = ProductModelFactory(
        code="KFR-35GW/BP3", name="智能变频空调", line__name="空调", line__code="aircon"
    )
    FaultPhenomenonFactory(name="不制冷", line=model.line)
    return model


def as_user(page, live_server, login, user):
    """Switch the browser to ``user``: a fresh session, through the login page."""
    page.context.clear_cookies()
    login(page, live_server, user.username, PASSWORD)
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def open_feedback(page, live_server, number):
    page.goto(f"{live_server.url}/feedback/{number}/")
    assert page.get_by_test_id("feedback-number").inner_text() == number


def status(page) -> str:
    return page.get_by_test_id("feedback-status").inner_text()


def act(page, name):
    """Open one lifecycle action from the feedback's panel."""
    page.get_by_test_id("lifecycle-actions").get_by_test_id(f"action-{name}").click()
    page.get_by_test_id("action-form").wait_for()


def submit_action(page):
    with page.expect_navigation():
        page.get_by_test_id("action-submit").click()


def test_one_feedback_from_registration_to_closed_by_every_role(
    page, live_server, login, screenshot, users, catalogue
):
    agent, qe = users[Role.CS_AGENT], users[Role.QUALITY_ENGINEER]
    member, head = users[Role.DEPT_MEMBER], users[Role.DEPT_HEAD]
    today = timezone.localdate()

    # --- customer service registers ------------------------------------------------------------------------
    as_user(page, live_server, login, agent)
    screenshot("01-agent-workspace")
    page.get_by_test_id("nav-new-feedback").click()
    page.get_by_label("客户名称").fill("张先生")
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_label("产品型号").select_option(label="空调 · 智能变频空调 KFR-35GW/BP3")
    page.get_by_label("购买日期").fill("2026-03-15")
    page.get_by_label("反馈渠道", exact=True).select_option(label="客服热线")
    page.get_by_label("问题描述（客户原话）").fill("空调使用1个月后，制冷效果明显下降，出风口温度18℃。")
    page.get_by_label("维修").check()
    page.get_by_test_id("submit-register").click()
    number = page.get_by_test_id("feedback-number").inner_text()
    assert "待核实" in status(page)
    screenshot("02-agent-registered")

    # --- quality verifies, classifies, grades, assigns ----------------------------------------------------
    as_user(page, live_server, login, qe)
    assert page.get_by_test_id("section-to_verify").get_by_test_id(f"row-{number}").is_visible()
    screenshot("03-quality-workspace")
    open_feedback(page, live_server, number)
    act(page, "verify")
    page.locator("[name=frequency]").select_option("always")
    page.locator("input[name=methods][value=phone]").check()
    page.locator("input[name=methods][value=video]").check()
    page.locator("[name=usage_environment]").fill("室温32℃，连续运行8小时")
    page.locator("input[name=verdict][value=confirmed]").check()
    page.locator("input[name=files]").set_input_files(
        [{"name": "视频截图.png", "mimeType": "image/png", "buffer": png_bytes(64, 48)}]
    )
    submit_action(page)
    assert "待分派" in status(page)
    assert page.get_by_test_id("attachments").get_by_text("视频截图.png").is_visible()

    act(page, "classify")
    page.locator("input[name=category][value=functional]").check()
    page.locator("[name=fault_phenomenon]").select_option(label="空调 · 不制冷")
    page.locator("input[name=severity][value=II]").check()
    submit_action(page)

    act(page, "assign")
    row = page.get_by_test_id("assign-row-rd")
    row.locator("input[name=departments]").check()
    row.locator("select").select_option(label=str(member))
    row.locator("input[name=lead]").check()
    submit_action(page)
    assert "待制定措施" in status(page)
    assert "研发部" in page.get_by_test_id("assignments").inner_text()
    screenshot("04-quality-assigned")

    # --- the lead department writes the CAPA form ---------------------------------------------------------
    as_user(page, live_server, login, member)
    assert page.get_by_test_id("section-assigned").get_by_test_id(f"row-{number}").is_visible()
    screenshot("05-member-workspace")
    open_feedback(page, live_server, number)
    page.get_by_test_id("action-capa_create").click()
    page.locator("[name=title]").fill("压缩机启动电容高温失效")
    page.locator("[name=root_cause_category]").select_option("material")
    page.locator("[name=root_cause_analysis]").fill(
        "供应商电容批次耐温不足，高温环境下容量衰减导致压缩机启动困难。"
    )
    with page.expect_navigation():
        page.get_by_test_id("capa-form-submit").click()
    capa_number = page.get_by_test_id("capa-number").inner_text()
    for kind, text, days in (
        ("short_term", "为该批次已售用户免费更换启动电容", 7),
        ("long_term", "电容耐温规格提升至105℃并增加高温老化试验", 14),
    ):
        form = page.get_by_test_id("measure-add-form")
        form.locator(f"input[name=kind][value={kind}]").check()
        form.locator("[name=description]").fill(text)
        form.locator("[name=owner]").select_option(label=f"{member} · 研发部")
        form.locator("[name=planned_date]").fill((today + dt.timedelta(days=days)).isoformat())
        with page.expect_navigation():
            form.get_by_test_id("measure-add-submit").click()
    assert Measure.objects.filter(capa__number=capa_number).count() == 2
    screenshot("06-member-capa-written")

    # --- the head submits ------------------------------------------------------------------------------------
    as_user(page, live_server, login, head)
    assert page.get_by_test_id("section-capa_write").get_by_test_id(f"row-{capa_number}").is_visible()
    screenshot("07-head-workspace")
    page.goto(f"{live_server.url}/capa/{capa_number}/")
    with page.expect_navigation():
        page.get_by_test_id("capa-submit").click()
    assert Capa.objects.get(number=capa_number).status == CapaStatus.SUBMITTED

    # --- quality accepts -------------------------------------------------------------------------------------
    as_user(page, live_server, login, qe)
    assert page.get_by_test_id("section-capa_review").get_by_test_id(f"row-{capa_number}").is_visible()
    page.goto(f"{live_server.url}/capa/{capa_number}/")
    review = page.get_by_test_id("review-form")
    review.locator("input[name=decision][value=accepted]").check()
    review.locator("[name=comment]").fill("措施合理，同意执行")
    with page.expect_navigation():
        review.get_by_test_id("review-submit").click()
    assert Capa.objects.get(number=capa_number).status == CapaStatus.IN_PROGRESS
    screenshot("08-quality-capa-accepted")

    # --- the owner executes the measures ---------------------------------------------------------------------
    as_user(page, live_server, login, member)
    assert page.get_by_test_id("section-measures").get_by_text(capa_number).first.is_visible()
    page.goto(f"{live_server.url}/capa/{capa_number}/")
    for measure in Measure.objects.filter(capa__number=capa_number).order_by("kind"):
        page.get_by_test_id(f"measure-update-{measure.pk}").click()
        form = page.get_by_test_id("capa-form")
        form.locator("[name=progress_note]").fill("已完成，见附件")
        form.locator("[name=complete]").check()
        form.locator("[name=completed_date]").fill(today.isoformat())
        form.locator("input[name=files]").set_input_files(
            [{"name": f"完成证据-{measure.pk}.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
        )
        with page.expect_navigation():
            form.get_by_test_id("capa-form-submit").click()
    assert Capa.objects.get(number=capa_number).status == CapaStatus.PENDING_VERIFICATION
    screenshot("09-member-measures-done")

    # --- quality verifies the effect -------------------------------------------------------------------------
    as_user(page, live_server, login, qe)
    assert page.get_by_test_id("section-capa_verify").get_by_test_id(f"row-{capa_number}").is_visible()
    page.goto(f"{live_server.url}/capa/{capa_number}/")
    effect = page.get_by_test_id("effect-form")
    effect.locator("[name=method]").select_option("both")
    effect.locator("input[name=result][value=effective]").check()
    effect.locator("[name=note]").fill("更换后回访30天无复发；高温老化试验全部通过")
    with page.expect_navigation():
        effect.get_by_test_id("effect-submit").click()
    assert Capa.objects.get(number=capa_number).status == CapaStatus.EFFECTIVE
    screenshot("10-quality-effect-verified")

    # --- customer service tells the customer and calls back --------------------------------------------------
    as_user(page, live_server, login, agent)
    assert page.get_by_test_id("section-callbacks").get_by_test_id(f"row-{number}").is_visible()
    open_feedback(page, live_server, number)
    assert "待结案" in status(page)
    act(page, "contact_add")
    page.locator("input[name=kind][value=outcome]").check()
    page.locator("[name=content]").fill("已告知客户：已免费更换启动电容，后续批次已改进")
    submit_action(page)
    act(page, "callback_attempt")
    page.locator("input[name=outcome][value=reached]").check()
    page.locator("input[name=satisfaction][value=satisfied]").check()
    page.locator("[name=comment]").fill("客户表示制冷已恢复正常")
    submit_action(page)
    assert Callback.objects.get(feedback__number=number).state == Callback.State.DONE
    screenshot("11-agent-callback-recorded")

    # --- quality closes --------------------------------------------------------------------------------------
    as_user(page, live_server, login, qe)
    open_feedback(page, live_server, number)
    act(page, "close_resolved")
    submit_action(page)
    assert "已结案" in status(page)
    assert Feedback.objects.get(number=number).status == Status.CLOSED
    screenshot("12-quality-closed")

    # --- the other roles' pages ------------------------------------------------------------------------------
    as_user(page, live_server, login, users[Role.MANAGEMENT])  # management lands on 管理驾驶舱
    assert page.get_by_test_id("dashboard-title").is_visible()
    assert "研发部" in page.get_by_test_id("table-department_efficiency").inner_text()
    screenshot("13-management-dashboard")
    as_user(page, live_server, login, users[Role.CS_SUPERVISOR])
    screenshot("14-supervisor-workspace")
    as_user(page, live_server, login, users[Role.ADMINISTRATOR])
    assert page.get_by_test_id("admin-links").is_visible()
    screenshot("15-administrator-workspace")
    as_user(page, live_server, login, users["other_member"])
    assert page.goto(f"{live_server.url}/capa/{capa_number}/").status == 404
    assert page.goto(f"{live_server.url}/feedback/{number}/").status == 404
    screenshot("16-other-department-404")
