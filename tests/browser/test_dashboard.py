"""管理驾驶舱 in a real browser: the manager logs in and lands on it, changes the period, clicks the 制冷效果差 bar of
the fault phenomena's Pareto chart (at the bar's pixel, computed by the chart itself: a real mouse click on the
canvas) and gets the feedback list filtered to exactly the feedback of that bar."""

import re

import pytest

from accounts.roles import Role
from tests.factories import PASSWORD
from tests.reports.dashboard_data import build_recent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The centre of a bar, in page coordinates: ECharts' own convertToPixel (category index, half the bar's value).
BAR_POINT = """([testid, label]) => {
  const el = document.querySelector(`[data-testid="${testid}"]`);
  el.scrollIntoView({block: "center", behavior: "instant"});
  const chart = echarts.getInstanceByDom(el);
  const option = chart.getOption();
  const index = option.xAxis[0].data.indexOf(label);
  const item = option.series[0].data[index];
  const [x, y] = chart.convertToPixel({seriesIndex: 0}, [index, item.value / 2]);
  const box = el.getBoundingClientRect();
  return {x: box.left + x, y: box.top + y, value: item.value, url: item.url};
}"""


def result_count(page) -> int:
    return int(re.search(r"\d+", page.get_by_test_id("result-count").inner_text()).group())


def test_the_manager_drills_from_a_pareto_bar_to_the_feedback_list(
    page, live_server, login, screenshot, users, departments
):
    build_recent(users, departments)
    problems = []  # a script error or a Content-Security-Policy refusal would show in the console
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    # the manager logs in and lands on the dashboard of the current month
    login(page, live_server, users[Role.MANAGEMENT].username, PASSWORD)
    assert page.url.endswith("/reports/dashboard/")
    assert page.get_by_test_id("dashboard-title").inner_text() == "管理驾驶舱"
    page.locator('[data-chart="top_faults"][data-ready="1"]').wait_for()
    screenshot("01-landed-on-the-dashboard")

    # changes the period to the last 90 days
    page.get_by_test_id("pick-preset-tab").click()
    page.locator("#id_preset").select_option("last90")
    with page.expect_navigation():
        page.get_by_test_id("pick-preset-submit").click()
    assert "preset=last90" in page.url
    assert " 至 " in page.get_by_test_id("dashboard-period").inner_text()
    page.locator('[data-chart="top_faults"][data-ready="1"]').wait_for()
    screenshot("02-last-90-days")

    # clicks the 制冷效果差 bar of the Pareto chart
    assert page.locator("[data-chart][data-ready='1']").count() == page.locator("[data-chart]").count()
    assert not problems, problems
    bar = page.evaluate(BAR_POINT, ["chart-top-faults", "制冷效果差"])
    assert bar["value"] == 3
    row = page.get_by_test_id("table-top_faults").locator("tr", has_text="制冷效果差")
    assert row.locator("a.dash-num").first.inner_text() == "3"  # the table beside the chart says the same
    page.mouse.move(bar["x"], bar["y"])
    screenshot("03-pointing-at-the-bar", full_page=False)
    with page.expect_navigation():
        page.mouse.click(bar["x"], bar["y"])

    # and sees the list of exactly those feedback, with the filters in its address
    assert "/feedback/?" in page.url
    assert result_count(page) == bar["value"]
    assert page.get_by_test_id("feedback-table").locator("tbody tr").count() == bar["value"]
    screenshot("04-the-filtered-list")


def test_an_empty_period_says_no_data(page, live_server, login, screenshot, users):
    login(page, live_server, users[Role.QUALITY_ENGINEER].username, PASSWORD)
    page.goto(f"{live_server.url}/reports/dashboard/?start=2021-02-01&end=2021-02-28")
    page.locator('[data-chart="top_faults"][data-ready="1"]').wait_for()
    assert page.locator('[data-chart="top_faults"]').get_attribute("data-empty") == "1"
    assert page.locator("[data-chart][data-empty='1']").count() == page.locator("[data-chart]").count()
    screenshot("empty-period")


def test_a_bad_range_is_explained_on_the_page(page, live_server, login, screenshot, users):
    login(page, live_server, users[Role.MANAGEMENT].username, PASSWORD)
    page.get_by_test_id("pick-range-tab").click()
    page.locator("#id_start").fill("2026-03-10")
    page.locator("#id_end").fill("2026-03-01")
    with page.expect_navigation():
        page.get_by_test_id("pick-range-submit").click()
    errors = page.get_by_test_id("period-errors").inner_text()
    assert re.search(r"[\u4e00-\u9fff]", errors)
    assert page.locator("#id_start").input_value() == "2026-03-10"  # what was typed is kept
    screenshot("bad-range")


def test_a_department_head_opens_it_from_the_navigation_and_sees_their_department(
    page, live_server, login, screenshot, users, departments
):
    build_recent(users, departments)
    login(page, live_server, users[Role.DEPT_HEAD].username, PASSWORD)
    with page.expect_navigation():
        page.get_by_test_id("nav-dashboard").click()
    assert "研发部" in page.get_by_test_id("dashboard-department").inner_text()
    rows = page.get_by_test_id("table-department_efficiency").locator("tbody tr")
    assert rows.count() == 1 and "研发部" in rows.first.inner_text()
    page.locator('[data-chart="top_faults"][data-ready="1"]').wait_for()
    screenshot("department-head")


def test_a_department_member_gets_no_dashboard(page, live_server, login, users):
    login(page, live_server, users[Role.DEPT_MEMBER].username, PASSWORD)
    assert page.get_by_test_id("nav-dashboard").count() == 0
    assert page.goto(f"{live_server.url}/reports/dashboard/").status == 404
