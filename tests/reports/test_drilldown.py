"""The drill-down: every counted item of every figure carries the feedback list's query parameters, and the list
opened with them (the page and the list API) counts exactly the item's number."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from reports import selectors
from reports.periods import Period
from reports.selectors import Scope

pytestmark = pytest.mark.django_db

OCTOBER = Period.month(2026, 10)


def _clock_parts(figure, where):
    for outcome in ("met", "missed", "overdue", "total"):
        yield f"{where} {figure['kind']} {outcome}", figure[outcome], figure["drill"][outcome]


def drill_items(figures: dict):
    """(what, number, drill) for every item of the dashboard that links to the list."""
    for metric in figures["summary"]["metrics"]:
        if metric["drill"] is not None:
            yield f"summary {metric['key']}", metric["value"], metric["drill"]
    volume = figures["volume_per_day"]
    yield "volume", volume["total"], volume["drill"]
    for day in volume["days"]:
        yield f"day {day['date']}", day["count"], day["drill"]
    for month in figures["volume_trend_12m"]["months"]:
        yield f"month {month['month']}", month["count"], month["drill"]
    for name in ("category_share", "severity_mix", "channel_mix", "top_faults", "top_models"):
        for item in figures[name]["items"]:
            yield f"{name} {item['label']}", item["count"], item["drill"]
    for clock in figures["sla_compliance"]["clocks"]:
        yield from _clock_parts(clock, "sla")
    for row in figures["department_efficiency"]["departments"]:
        yield f"department {row['name']}", row["feedback"], row["drill"]
        for clock in row["clocks"]:
            yield from _clock_parts(clock, row["name"])
    satisfaction = figures["satisfaction"]
    yield "satisfaction", satisfaction["total"], satisfaction["drill"]
    for item in satisfaction["items"]:
        yield f"satisfaction {item['key']}", item["count"], item["drill"]
    for month in figures["satisfaction_trend_12m"]["months"]:
        yield f"satisfaction {month['month']}", month["total"], month["drill"]
    registration = figures["registration_timeliness"]
    for who in [registration["team"], *registration["agents"]]:
        for part in ("total", "on_time", "late"):
            yield f"registration {who.get('name', 'team')} {part}", who[part], who["drill"][part]
    backlog = figures["backlog"]
    yield "backlog", backlog["total"], backlog["drill"]
    for stage in backlog["stages"]:
        yield f"backlog {stage['status']}", stage["total"], stage["drill"]
        for cell in stage["cells"]:
            yield f"backlog {stage['status']} {cell['severity']}", cell["count"], cell["drill"]
    for overdue in backlog["overdue"]:
        yield f"overdue {overdue['kind']}", overdue["count"], overdue["drill"]


def _page_count(client, drill) -> int:
    response = client.get(reverse("feedback:list"), drill)
    assert response.status_code == 200
    assert not response.context["filter_errors"], response.context["filter_errors"]
    return response.context["page"].paginator.count


def _api_count(client, drill) -> int:
    response = client.get("/api/feedback/", drill)
    assert response.status_code == 200, response.content
    return response.json()["count"]


def _check_every_item(client, figures, *, api: bool = False):
    """Each distinct drill once (a day without feedback and a month without feedback ask different things)."""
    seen: dict[str, int] = {}
    for what, number, drill in drill_items(figures):
        key = repr(sorted(drill.items()))
        if key in seen:
            assert seen[key] == number, what  # the same records, the same number
            continue
        seen[key] = number
        assert _page_count(client, drill) == number, what
        if api:
            assert _api_count(client, drill) == number, what
    return len(seen)


def test_every_item_lists_exactly_its_records(october, client, users):
    client.force_login(users[Role.QUALITY_ENGINEER])
    figures = selectors.dashboard(OCTOBER, Scope())
    checked = _check_every_item(client, figures, api=True)
    assert checked > 100
    # and the numbers that are not zero were really checked against records
    assert any(number > 0 for _w, number, _d in drill_items(figures))


def test_a_department_heads_items_list_exactly_their_records(october, client, users, departments):
    head = users[Role.DEPT_HEAD]  # 研发部
    client.force_login(head)
    figures = selectors.dashboard(OCTOBER, selectors.scope_for(head))
    assert figures["volume_per_day"]["total"] == 5
    _check_every_item(client, figures)


def test_a_product_line_drill_keeps_the_line(october, client, users):
    client.force_login(users[Role.MANAGEMENT])
    line = october.lines["fridge"]
    figures = selectors.dashboard(OCTOBER, Scope(product_line_id=line.pk))
    assert figures["top_faults"]["items"][0]["drill"]["product_line"] == str(line.pk)
    _check_every_item(client, figures)


def test_the_pareto_bar_opens_the_list_of_that_fault(october, client, users):
    client.force_login(users[Role.QUALITY_ENGINEER])
    top = selectors.top_faults(OCTOBER, Scope())["items"][0]
    response = client.get(reverse("feedback:list"), top["drill"])
    numbers = {row["feedback"].number for row in response.context["rows"]}
    assert numbers == {october.feedback[k].number for k in ("f1", "f2", "f3")}
    assert (
        'data-testid="drill-filters"' in response.content.decode()
    )  # the drill parameters are shown, removable


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"category": "bogus"}, "问题分类"),
        ({"fault": "999999"}, "未知的故障现象"),
        ({"fault": "abc"}, "未知的故障现象"),
        ({"department": "999999"}, "责任部门"),
        ({"product_line": "x"}, "产品线"),
        ({"clock_kind": "nope"}, "时限"),
        ({"clock_due_from": "2026-13-01"}, "时限截止日起"),
        ({"satisfaction": "happy"}, "满意度"),
        ({"fault_exclude": "1,a"}, "逗号"),
    ],
)
def test_an_unknown_filter_value_is_said_in_chinese_and_lists_nothing(
    october, client, users, params, message
):
    client.force_login(users[Role.QUALITY_ENGINEER])
    response = client.get(reverse("feedback:list"), params)
    assert response.status_code == 200
    errors = response.context["filter_errors"]
    assert errors and any(message in error for error in errors), errors
    assert response.context["page"].paginator.count == 0
    assert "无法按此条件筛选" in response.content.decode()


def test_the_list_api_refuses_a_bad_drill_value_with_400(october, client, users):
    client.force_login(users[Role.QUALITY_ENGINEER])
    assert client.get("/api/feedback/", {"clock_outcome": "nope"}).status_code == 400
    assert client.get("/api/feedback/", {"fault_exclude": "x"}).status_code == 400
    # an id that names nothing finds nothing (as ?product_model=0 does)
    response = client.get("/api/feedback/", {"department": "999999"})
    assert (response.status_code, response.json()["count"]) == (200, 0)
