"""管理驾驶舱 through HTTP: who sees it (404 for the others), the period picker's errors in Chinese, the page shows
exactly the figures of reports.selectors, every number on it is a link whose list has that many records, a department
head sees only their department, and the page costs the same number of queries whatever the data."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from feedback.models import Channel
from reports import selectors
from reports.periods import Period
from tests.factories import PASSWORD, AssignmentFactory, FaultPhenomenonFactory, FeedbackFactory
from tests.factories.capa import Loop
from tests.reports.dashboard_data import build_recent, recently

pytestmark = pytest.mark.django_db

URL = "/reports/dashboard/"
LAST30 = {"preset": "last30"}
LINK = re.compile(r'<a class="dash-num" href="([^"]+)"[^>]*>([^<]+)</a>')
COUNT = re.compile(r'data-testid="result-count">\D*(\d+)')


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">') + len(
        '<script id="dashboard-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def without_links(value):
    """The page's figures without what the page adds (links) and without the instants the figures are read at."""
    if isinstance(value, dict):
        return {
            k: without_links(v) for k, v in value.items() if k not in ("url", "urls", "generated_at", "as_of")
        }
    if isinstance(value, list):
        return [without_links(v) for v in value]
    return value


def listed_count(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    match = COUNT.search(response.content.decode())
    assert match, f"no count on {url}"
    return int(match.group(1))


@pytest.fixture
def month(users, departments):
    return build_recent(users, departments)


# --- who sees it -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "who, status",
    [
        (Role.QUALITY_ENGINEER, 200),
        (Role.MANAGEMENT, 200),
        (Role.DEPT_HEAD, 200),
        (Role.CS_AGENT, 404),
        (Role.CS_SUPERVISOR, 404),
        (Role.DEPT_MEMBER, 404),
        ("other_member", 404),
        (Role.ADMINISTRATOR, 404),
    ],
)
def test_who_sees_the_dashboard(users, who, status):
    response = client_for(users[who]).get(URL)
    assert response.status_code == status
    if status == 404:  # and not even a hint in the navigation
        home = client_for(users[who]).get(reverse("home"), follow=True).content.decode()
        assert 'data-testid="nav-dashboard"' not in home


def test_anonymous_is_sent_to_the_login_page(db):
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_management_lands_on_the_dashboard_and_quality_has_it_in_the_navigation(users):
    response = client_for(users[Role.MANAGEMENT]).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == URL
    quality_home = client_for(users[Role.QUALITY_ENGINEER]).get(reverse("home")).content.decode()
    assert f'href="{URL}" data-testid="nav-dashboard"' in quality_home


def test_the_manager_logging_in_lands_on_the_dashboard(users):
    client = Client()
    response = client.post(
        reverse("login"), {"username": users[Role.MANAGEMENT].username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == URL
    assert "管理驾驶舱" in response.content.decode()


def test_a_post_is_refused(users):
    assert client_for(users[Role.MANAGEMENT]).post(URL).status_code == 405


# --- the period picker -------------------------------------------------------------------------------------------
def _future_month() -> str:
    today = timezone.localdate()
    return f"{today.year + (today.month == 12)}-{today.month % 12 + 1:02d}"


@pytest.mark.parametrize(
    "query, message, kept",
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "结束日期早于开始日期", 'value="2026-03-10"'),
        ({"month": "FUTURE"}, "该月份尚未开始", 'value="FUTURE"'),
        ({"start": "2020-01-01", "end": "2022-06-30"}, "不能超过24个月", 'value="2020-01-01"'),
        ({"month": "2026-13"}, "请按 YYYY-MM 填写月份", 'value="2026-13"'),
        ({"month": "2026-11", "product_line": "999999"}, "未知的产品线", 'value="2026-11"'),
        ({"preset": "last7"}, "未知的快捷期间", None),
        ({"start": "2026-03-01"}, "请填写结束日期", 'value="2026-03-01"'),
        ({"start": "not-a-date", "end": "2026-03-01"}, "", 'value="not-a-date"'),
    ],
)
def test_bad_periods_are_explained_in_chinese_and_keep_what_was_typed(users, query, message, kept):
    if query.get("month") == "FUTURE":
        query = {**query, "month": _future_month()}
        kept = f'value="{query["month"]}"'
    response = client_for(users[Role.MANAGEMENT]).get(URL, query)

    assert response.status_code == 400
    html = unescape(response.content.decode())
    errors = html[html.index('data-testid="period-errors"') :]
    errors = errors[: errors.index("</div>")]
    assert re.search(r"[\u4e00-\u9fff]", errors), errors  # Chinese
    assert message in errors
    if kept:
        assert kept in html
    assert 'id="dashboard-data"' not in html  # no figures for a period that is not one


def test_the_pickers_periods(users, month):
    client = client_for(users[Role.MANAGEMENT])
    today = timezone.localdate()
    default = client.get(URL)
    assert default.status_code == 200
    assert page_data(default)["period"]["start"] == today.replace(day=1).isoformat()
    last90 = page_data(client.get(URL, {"preset": "last90"}))["period"]
    assert (
        last90["start"] == (today - dt.timedelta(days=89)).isoformat() and last90["end"] == today.isoformat()
    )
    ranged = client.get(URL, {"start": "2026-01-01", "end": "2026-01-31", "product_line": month["line"].pk})
    assert page_data(ranged)["period"]["start"] == "2026-01-01"
    assert 'data-testid="dashboard-product-line"' in ranged.content.decode()


# --- the numbers ---------------------------------------------------------------------------------------------------
def test_the_page_shows_the_figures_of_the_selectors(users, month):
    response = client_for(users[Role.MANAGEMENT]).get(URL, LAST30)
    period = Period.last_days(30)

    shown = page_data(response)
    assert without_links(shown) == without_links(selectors.dashboard(period, selectors.Scope()))
    # and the tables say the same: 8 feedback in the period (3 + 2 + 1 + 2 through the loop), 3 of 制冷效果差
    assert shown["volume_per_day"]["total"] == 8
    faults = {i["label"]: i["count"] for i in shown["top_faults"]["items"]}
    assert faults["制冷效果差"] == 3 and faults["外壳划伤"] == 2
    html = response.content.decode()
    table = html[html.index('data-testid="table-top_faults"') :]
    assert re.search(r"制冷效果差</th><td[^>]*><a class=\"dash-num\" href=\"[^\"]+\">3</a>", table)
    assert "—" in html or all(  # rates with nothing counted show as —
        m["value"] is not None for m in shown["summary"]["metrics"] if m["kind"] == "rate"
    )


def test_every_number_of_the_page_opens_a_list_of_that_many_feedback(users, month):
    client = client_for(users[Role.MANAGEMENT])
    html = client.get(URL, LAST30).content.decode()
    links = {(unescape(url), int(text)) for url, text in LINK.findall(html) if text.strip().isdigit()}
    assert len(links) > 40  # every table's numbers
    for url, count in sorted(links):
        assert listed_count(client, url) == count, url


def test_every_chart_element_opens_a_list_of_its_count(users, month):
    """The charts' click targets (``url`` in the page's JSON) list as many feedback as the element's number."""
    client = client_for(users[Role.MANAGEMENT])
    data = page_data(client.get(URL, LAST30))
    pairs = []
    for key in ("category_share", "severity_mix", "channel_mix", "top_faults", "top_models", "satisfaction"):
        pairs += [(i["url"], i["count"]) for i in data[key]["items"]]
    pairs += [(d["url"], d["count"]) for d in data["volume_per_day"]["days"] if d["count"]]
    pairs += [(m["url"], m["count"]) for m in data["volume_trend_12m"]["months"]]
    for clock in data["sla_compliance"]["clocks"]:
        pairs += [(clock["urls"][k], clock[k]) for k in ("met", "missed", "overdue", "total")]
    for stage in data["backlog"]["stages"]:
        pairs += [(cell["url"], cell["count"]) for cell in stage["cells"]]
    pairs += [(row["url"], row["count"]) for row in data["backlog"]["overdue"]]
    assert sum(count for _url, count in pairs) > 0
    for url, count in pairs:
        assert listed_count(client, url) == count, url
    # the Pareto's bar of 制冷效果差 and 12 months of trend, each a link
    assert any(i["label"] == "制冷效果差" and i["url"] for i in data["top_faults"]["items"])
    assert len(data["volume_trend_12m"]["months"]) == 12


def test_a_department_head_sees_only_their_department(users, departments, month):
    client = client_for(users[Role.DEPT_HEAD])
    response = client.get(URL, LAST30)
    shown = page_data(response)
    rd = departments["rd"]

    assert shown["scope"]["department_id"] == rd.pk
    assert without_links(shown) == without_links(
        selectors.dashboard(Period.last_days(30), selectors.Scope(department_id=rd.pk))
    )
    # 3 of 研发部 plus the two of the loop (assigned to 研发部); 生产部's two are not counted
    assert shown["volume_per_day"]["total"] == 5
    assert [d["name"] for d in shown["department_efficiency"]["departments"]] == ["研发部"]
    assert "外壳划伤" not in [i["label"] for i in shown["top_faults"]["items"]]
    html = response.content.decode()
    assert 'data-testid="dashboard-department"' in html and "研发部" in html
    # and the head's links list what they counted
    for url, text in set(LINK.findall(html)):
        assert listed_count(client, unescape(url)) == int(text), url


def test_a_product_line_narrows_the_figures(users, month):
    shown = page_data(
        client_for(users[Role.QUALITY_ENGINEER]).get(URL, {**LAST30, "product_line": month["fridge"].pk})
    )
    assert shown["volume_per_day"]["total"] == 2
    assert [i["label"] for i in shown["top_faults"]["items"]] == ["外壳划伤"]


def test_an_empty_period_shows_dashes_for_rates(users, month):
    response = client_for(users[Role.MANAGEMENT]).get(URL, {"start": "2021-02-01", "end": "2021-02-28"})
    assert response.status_code == 200
    shown = page_data(response)
    assert shown["volume_per_day"]["total"] == 0
    assert shown["sla_compliance"]["overall"]["rate"] is None
    html = response.content.decode()
    sla = html[html.index('data-testid="table-sla_compliance"') :]
    sla = sla[: sla.index("</table>")]
    assert "%" not in sla and "—" in sla
    assert "无数据" in html  # the charts' word for it, handed to the script
    assert 'data-testid="satisfaction-rate">—<' in html


def test_the_page_costs_the_same_number_of_queries_with_more_data(users, departments, month):
    client = client_for(users[Role.MANAGEMENT])
    client.get(URL, LAST30)
    with CaptureQueriesContext(connection) as before:
        assert client.get(URL, LAST30).status_code == 200
    # more of everything: feedback, departments, models, faults, agents, clocks
    for i in range(12):
        fb = FeedbackFactory(
            feedback_time=recently(40 + i),
            category="performance",
            severity="III",
            fault_phenomenon=FaultPhenomenonFactory(name=f"新故障{i}"),
            channel=Channel.THIRD_PARTY,
        )
        AssignmentFactory(feedback=fb)
    Loop(users, departments, FeedbackFactory(feedback_time=recently(50))).to_assigned()
    with CaptureQueriesContext(connection) as after:
        assert client.get(URL, LAST30).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)
    # the figures' own queries (one aggregate each), plus a few of the page's: session, user, roles, product
    # lines, the navigation's permissions and notification bell
    with CaptureQueriesContext(connection) as figures:
        selectors.dashboard(Period.last_days(30), selectors.Scope())
    assert len(before.captured_queries) <= len(figures.captured_queries) + 8


def test_on_the_hand_worked_october_every_number_and_chart_element_lists_its_count(users, october):
    """r-figures' fixture month (tests/reports/conftest.py: a cancelled clock, a draft, a voided record, an
    unclassified one, records at 23:59:59 / 00:00:00 local time on the period's edges): the page's links and the
    charts' click targets list exactly their numbers."""
    client = client_for(users[Role.MANAGEMENT])
    response = client.get(URL, {"month": "2026-10"})
    data = page_data(response)
    assert data["period"]["start"] == "2026-10-01" and data["period"]["end"] == "2026-10-31"
    assert data["volume_per_day"]["total"] == 12
    links = {(unescape(u), int(t)) for u, t in LINK.findall(response.content.decode()) if t.strip().isdigit()}
    pairs = set(links)
    for key in ("category_share", "severity_mix", "channel_mix", "top_faults", "top_models", "satisfaction"):
        pairs |= {(i["url"], i["count"]) for i in data[key]["items"]}
    for clock in data["sla_compliance"]["clocks"]:
        pairs |= {(clock["urls"][k], clock[k]) for k in ("met", "missed", "overdue", "total")}
    assert sum(count for _u, count in pairs) > 12
    # the SLA table's line of all deadlines together counts deadlines, several per feedback: shown without links
    overall = response.content.decode().split('data-kind="overall"')[1].split("</tr>")[0]
    assert "<a " not in overall and str(data["sla_compliance"]["overall"]["total"]) in overall
    for url, count in sorted(pairs):
        assert listed_count(client, url) == count, url
