"""Every figure of DOMAIN.md "Figures" on the fixture month (tests/reports/conftest.py: October 2026), against
numbers worked out by hand from the fixture. The comment beside each number says which records make it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import selectors
from reports.periods import Period
from reports.selectors import Scope
from tests.factories import FeedbackFactory

pytestmark = pytest.mark.django_db

OCTOBER = Period.month(2026, 10)
ALL = Scope()


def approx(value):
    return pytest.approx(value, abs=1e-9) if isinstance(value, float) else value


def counts(items, *fields):
    return [tuple(item[f] for f in fields) for item in items]


def test_volume_per_day(october):
    figure = selectors.volume_per_day(OCTOBER, ALL)
    assert (
        figure["total"] == 12
    )  # f1…f12; not x1 (09-30 23:59:59), x2 (11-01 00:00:00), the draft, the voided
    days = {day["date"]: day["count"] for day in figure["days"]}
    assert len(days) == 31 and min(days) == "2026-10-01" and max(days) == "2026-10-31"
    assert days["2026-10-01"] == 1  # f1 at 00:00:00
    assert days["2026-10-31"] == 1  # f2 at 23:59:59
    assert [days[f"2026-10-{d:02d}"] for d in range(5, 15)] == [1] * 10  # f3 … f12
    assert days["2026-10-15"] == 0 and days["2026-10-16"] == 0  # the draft x3 and the voided x4
    assert sum(days.values()) == 12


def test_volume_trend_12m(october):
    months = selectors.volume_trend_12m(OCTOBER, ALL)["months"]
    assert [m["month"] for m in months] == [f"2025-{m:02d}" for m in (11, 12)] + [
        f"2026-{m:02d}" for m in range(1, 11)
    ]
    assert {m["month"]: m["count"] for m in months if m["count"]} == {"2026-09": 2, "2026-10": 12}  # x1, p1
    assert months[-1]["label"] == "2026年10月"


def test_category_share(october):
    figure = selectors.category_share(OCTOBER, ALL)
    assert figure["total"] == 12
    assert counts(figure["items"], "key", "label", "count") == [
        ("functional", "功能性问题", 6),  # f1 f2 f6 f7 f9 f12
        ("performance", "性能问题", 2),  # f3 f8
        ("appearance", "外观/工艺问题", 2),  # f4 f10
        ("service", "服务问题", 1),  # f5
        ("none", "未分类", 1),  # f11
    ]
    assert [item["share"] for item in figure["items"]] == [
        approx(x) for x in (0.5, 2 / 12, 2 / 12, 1 / 12, 1 / 12)
    ]


def test_severity_mix(october):
    figure = selectors.severity_mix(OCTOBER, ALL)
    assert counts(figure["items"], "key", "count") == [
        ("I", 6),  # f1 f4 f7 f8 f10 f12
        ("II", 3),  # f2 f3 f9
        ("III", 2),  # f5 f6
        ("none", 1),  # f11, not graded
    ]
    assert figure["items"][3]["label"] == "未分级"


def test_channel_mix(october):
    figure = selectors.channel_mix(OCTOBER, ALL)
    assert counts(figure["items"], "key", "count") == [
        ("hotline", 7),  # f1 f3 f5 f7 f9 f10 f11
        ("email", 2),  # f2 f8
        ("online_chat", 1),  # f6
        ("dealer", 1),  # f4
        ("third_party", 1),  # f12
        ("other", 0),
    ]  # no "none": every registered feedback has its channel
    assert figure["items"][0]["share"] == approx(7 / 12)


def test_top_faults_pareto(october):
    """Ties by name (code-point order): 不开机 before 噪音大 (2 each); 外壳划伤, 异味 before 漏水, 遥控失灵 (1 each)."""
    figure = selectors.top_faults(OCTOBER, ALL)
    assert figure["total"] == 12
    assert [
        (i["label"], i["count"], approx(i["share"]), approx(i["cumulative_share"])) for i in figure["items"]
    ] == [
        ("制冷效果差", 3, approx(3 / 12), approx(3 / 12)),  # f1 f2 f3
        ("不开机", 2, approx(2 / 12), approx(5 / 12)),  # f6 f12
        ("噪音大", 2, approx(2 / 12), approx(7 / 12)),  # f4 f5
        ("外壳划伤", 1, approx(1 / 12), approx(8 / 12)),  # f10
        ("异味", 1, approx(1 / 12), approx(9 / 12)),  # f8
        ("其他", 2, approx(2 / 12), approx(11 / 12)),  # 漏水 f7, 遥控失灵 f9
        ("未分类", 1, approx(1 / 12), approx(1.0)),  # f11
    ]
    faults = october.faults
    assert [i["key"] for i in figure["items"]] == [
        str(faults[k].pk) for k in ("cool", "power", "noise", "scratch", "smell")
    ] + ["other", "none"]


def test_top_models_pareto(october):
    figure = selectors.top_models(OCTOBER, ALL)
    assert [(i["label"], i["count"], approx(i["cumulative_share"])) for i in figure["items"]] == [
        ("智能空调 KFR-001", 6, approx(0.5)),  # f1 f2 f3 f9 f10 f12
        ("变频空调 KFR-002", 3, approx(0.75)),  # f4 f5 f11 (tie with 对开门冰箱: 变 < 对)
        ("对开门冰箱 BCD-003", 3, approx(1.0)),  # f6 f7 f8
    ]


def test_sla_compliance(october):
    """Deadlines due in October. The cancelled CAPA-form clock of f6, the voided x4's and the draft x3's clocks,
    the callback clock due 11-01 23:59:59 (f8) and the one due 09-30 23:59:59 (f3) are not counted."""
    figure = selectors.sla_compliance(OCTOBER, ALL)
    assert [
        (c["kind"], c["met"], c["missed"], c["overdue"], c["total"], approx(c["rate"]))
        for c in figure["clocks"]
    ] == [
        ("registration", 1, 1, 0, 2, approx(0.5)),  # f1 met, f5 missed
        ("verification", 1, 0, 1, 2, approx(0.5)),  # f3 met, f11 running past 10-20
        ("emergency", 1, 0, 0, 1, approx(1.0)),  # f6
        ("capa_form", 1, 1, 1, 3, approx(1 / 3)),  # f4 met, f5 missed, f12 overdue (f6 cancelled)
        ("measure", 1, 1, 0, 2, approx(0.5)),  # m1 met, m2 missed
        ("effect_verification", 0, 1, 0, 1, approx(0.0)),  # f7
        ("callback", 1, 0, 0, 1, approx(1.0)),  # f1, due 10-31 23:59:59
    ]
    overall = figure["overall"]
    assert (overall["met"], overall["missed"], overall["overdue"], overall["rate"]) == (6, 4, 2, approx(0.5))


def test_department_efficiency(october, departments):
    rows = {row["name"]: row for row in selectors.department_efficiency(OCTOBER, ALL)["departments"]}
    assert list(rows) == ["研发部", "生产部", "供应链部", "售后服务部", "质量部", "客服部"]
    rd, prod = rows["研发部"], rows["生产部"]
    assert rd["feedback"] == 5  # f4 f5 f6 f7 (lead) and f12 (not lead)
    assert prod["feedback"] == 2  # f9 f12
    assert [(c["kind"], c["met"], c["missed"], c["overdue"], approx(c["rate"])) for c in rd["clocks"]] == [
        (
            "capa_form",
            1,
            1,
            0,
            approx(0.5),
        ),  # f4 met, f5 missed; f6 cancelled; f12's belongs to 生产部 (lead)
        ("measure", 1, 0, 0, approx(1.0)),  # m1
    ]
    assert [(c["kind"], c["met"], c["missed"], c["overdue"], c["rate"]) for c in prod["clocks"]] == [
        ("capa_form", 0, 0, 1, approx(0.0)),  # f12 overdue
        ("measure", 0, 1, 0, approx(0.0)),  # m2
    ]
    # c1: assigned Thu 10-08, submitted Sat 10-10 (a make-up working day): 10-09, 10-10 → 2 working days.
    assert (rd["capa_forms"], rd["capa_days_avg"]) == (1, approx(2.0))
    # c2: assigned Tue 10-13, submitted Tue 10-20: 14, 15, 16, 19, 20 → 5 working days.
    assert (prod["capa_forms"], prod["capa_days_avg"]) == (1, approx(5.0))
    # 研发部: m1 (planned 10-20, done 10-18) and m3 (planned 10-28, open); m5 is planned in November.
    assert (rd["measures_total"], rd["measures_completed"], approx(rd["completion_rate"])) == (
        2,
        1,
        approx(0.5),
    )
    assert (rd["measures_due"], rd["measures_delayed"], approx(rd["delay_rate"])) == (2, 1, approx(0.5))
    # 生产部: m2 (planned 10-25, done 10-27: late), m6 (planned and done 10-30); m4 withdrawn.
    assert (prod["measures_total"], prod["measures_completed"], prod["completion_rate"]) == (
        2,
        2,
        approx(1.0),
    )
    assert (prod["measures_due"], prod["measures_delayed"], prod["delay_rate"]) == (2, 1, approx(0.5))
    quiet = rows["供应链部"]
    assert (quiet["feedback"], quiet["capa_days_avg"], quiet["completion_rate"], quiet["delay_rate"]) == (
        0,
        None,
        None,
        None,
    )
    assert [c["rate"] for c in quiet["clocks"]] == [None, None]  # "—", not 0 % or 100 %


def test_satisfaction(october):
    """Callbacks closed in October: f1 满意, f8 基本满意 (23:59:59), f10 不满意, f7 unreachable. Not x1's
    (11-01 00:00:00), not the voided x4's, not f6's (still open), not p1's (September)."""
    figure = selectors.satisfaction(OCTOBER, ALL)
    assert counts(figure["items"], "key", "label", "count") == [
        ("satisfied", "满意", 1),
        ("basic", "基本满意", 1),
        ("unsatisfied", "不满意", 1),
        ("unreachable", "无法联系客户", 1),
    ]
    assert [i["share"] for i in figure["items"]] == [approx(0.25)] * 4
    assert (figure["total"], figure["reached"], figure["rate"]) == (4, 3, approx(2 / 3))


def test_satisfaction_trend_12m(october):
    months = selectors.satisfaction_trend_12m(OCTOBER, ALL)["months"]
    assert len(months) == 12
    shown = {
        m["month"]: (m["satisfied"], m["basic"], m["unsatisfied"], m["unreachable"], m["rate"])
        for m in months
    }
    assert shown["2026-10"] == (1, 1, 1, 1, approx(2 / 3))
    assert shown["2026-09"] == (1, 0, 0, 0, approx(1.0))  # p1
    assert shown["2026-08"] == (0, 0, 0, 0, None)


def test_capa_first_time_effectiveness(october):
    """Verified effective in October: c3 (first verification 无效: not first time), c4, c6 (10-31 23:00).
    c5 is verified in November."""
    figure = selectors.capa_first_time_effectiveness(OCTOBER, ALL)
    assert (figure["effective"], figure["first_time"], figure["rate"]) == (3, 2, approx(2 / 3))


def test_registration_timeliness(october, users):
    """Registrations completed in October: f1 f3…f12 and x1 (received 09-30 23:59:59, registered 10-01 00:10);
    not f2 (registered 11-01 00:20), not the draft, not the voided. Late: f5 and f8."""
    figure = selectors.registration_timeliness(OCTOBER, ALL)
    team = figure["team"]
    assert (team["total"], team["on_time"], team["late"], team["rate"]) == (12, 10, 2, approx(10 / 12))
    assert [
        (a["name"], a["total"], a["on_time"], a["late"], approx(a["rate"])) for a in figure["agents"]
    ] == [
        ("客服小张", 5, 4, 1, approx(0.8)),  # f3 f4 f7 f8 f11; f8 late
        ("客服小王", 7, 6, 1, approx(6 / 7)),  # f1 f5 f6 f9 f10 f12 x1; f5 late
    ]


def test_backlog(october):
    """Now: open feedback whatever its period (x2 of November counts), drafts and voided not."""
    figure = selectors.backlog(OCTOBER, ALL)
    assert figure["total"] == 10
    cells = {s["status"]: [c["count"] for c in s["cells"]] for s in figure["stages"]}  # I, II, III, none
    assert cells == {
        "registered": [1, 1, 0, 1],  # x2 (I), f2 (II), f11 (not graded)
        "verified": [0, 1, 0, 0],  # f3
        "assigned": [2, 0, 1, 0],  # f4 f12 (I), f5 (III)
        "in_progress": [0, 1, 1, 0],  # f9 (II), f6 (III)
        "pending_close": [1, 0, 0, 0],  # f7
    }
    assert {o["kind"]: o["count"] for o in figure["overdue"]} == {
        "registration": 0,  # the draft x3's clock is overdue, but drafts are not counted
        "verification": 1,  # f11 (f2's is due in 2027)
        "emergency": 0,
        "capa_form": 1,  # f12
        "measure": 0,
        "effect_verification": 0,
        "callback": 1,  # f3, due 09-30
    }


def test_summary_with_previous_period(october):
    summary = selectors.summary(OCTOBER, ALL)
    assert summary["previous_period"]["start"] == "2026-09-01"
    metrics = {m["key"]: (m["value"], m["previous"], m["change"]) for m in summary["metrics"]}
    assert metrics == {
        "feedback": (12, 2, "up"),  # September: x1, p1
        "urgent": (2, 0, "up"),  # f5 f6
        "sla_rate": (approx(0.5), approx(0.0), "up"),  # September: f3's callback clock, overdue
        "satisfaction_rate": (approx(2 / 3), approx(1.0), "down"),  # September: p1 满意
        "registration_rate": (approx(10 / 12), approx(1.0), "down"),  # September: p1 on time
        "capa_first_time_rate": (approx(2 / 3), None, None),  # none verified in September
        "measure_completion_rate": (
            approx(0.75),
            None,
            None,
        ),  # m1 m2 m3 m6: 3 of 4; none planned in September
    }


def test_summary_rates_equal_the_figures(october):
    """One number, one definition: the summary's rates are the figures' rates."""
    summary = {m["key"]: m["value"] for m in selectors.summary(OCTOBER, ALL)["metrics"]}
    assert summary["sla_rate"] == selectors.sla_compliance(OCTOBER, ALL)["overall"]["rate"]
    assert summary["satisfaction_rate"] == selectors.satisfaction(OCTOBER, ALL)["rate"]
    assert summary["registration_rate"] == selectors.registration_timeliness(OCTOBER, ALL)["team"]["rate"]
    assert summary["capa_first_time_rate"] == selectors.capa_first_time_effectiveness(OCTOBER, ALL)["rate"]
    assert summary["feedback"] == selectors.volume_per_day(OCTOBER, ALL)["total"]


def test_department_scope(october, departments):
    """A department head's figures: the feedback assigned to 研发部 (f4 f5 f6 f7 f12)."""
    scope = Scope(department_id=departments["rd"].pk)
    assert selectors.volume_per_day(OCTOBER, scope)["total"] == 5
    assert [i["count"] for i in selectors.severity_mix(OCTOBER, scope)["items"]] == [
        3,
        0,
        2,
        0,
    ]  # f4 f7 f12 | f5 f6
    rows = selectors.department_efficiency(OCTOBER, scope)["departments"]
    assert [row["name"] for row in rows] == ["研发部"]
    # f12's CAPA-form clock is 生产部's (the lead), but f12 is in 研发部's scope: the SLA figure counts it.
    capa = next(c for c in selectors.sla_compliance(OCTOBER, scope)["clocks"] if c["kind"] == "capa_form")
    assert (capa["met"], capa["missed"], capa["overdue"]) == (1, 1, 1)


def test_product_line_scope(october):
    scope = Scope(product_line_id=october.lines["fridge"].pk)
    assert selectors.volume_per_day(OCTOBER, scope)["total"] == 3  # f6 f7 f8
    assert [(i["label"], i["count"]) for i in selectors.top_faults(OCTOBER, scope)["items"]] == [
        ("不开机", 1),
        ("异味", 1),
        ("漏水", 1),
    ]


def test_an_empty_period_has_no_rates(october):
    empty = Period.month(2025, 1)
    figures = selectors.dashboard(empty, ALL)
    assert figures["volume_per_day"]["total"] == 0
    assert all(c["rate"] is None for c in figures["sla_compliance"]["clocks"])
    assert figures["satisfaction"]["rate"] is None
    assert figures["top_faults"]["items"] == []
    assert all(item["share"] is None for item in figures["category_share"]["items"])


def test_dashboard_is_every_figure_in_a_constant_number_of_queries(
    october, django_assert_max_num_queries, django_assert_num_queries
):
    """Directly (SQLite): 22 aggregates (one per figure; the per-department figures five, the backlog two, the
    summary five for both periods), the working-day calendar (3, cached per process), the transaction with its two
    SET LOCALs (4). From the tallies (PostgreSQL): 20 aggregates (the per-department figures five, the summary two,
    the running clocks overdue now read once for all), the calendar (3), the flush of the changes queued since (1),
    the transaction and its settings in one statement (3): 27. The page shows 22 widgets (7 summary figures and 15
    charts with their tables)."""
    with django_assert_max_num_queries(27 if connection.vendor == "postgresql" else 30):
        figures = selectors.dashboard(OCTOBER, ALL)
    with CaptureQueriesContext(connection) as first:
        selectors.dashboard(OCTOBER, ALL)
    FeedbackFactory.create_batch(5, feedback_time=october.feedback["f3"].feedback_time)
    with django_assert_num_queries(len(first.captured_queries)):  # not growing with the data
        selectors.dashboard(OCTOBER, ALL)
    assert set(figures) == {"period", "scope", "generated_at", *selectors.FIGURES}
    assert figures["period"] == {"start": "2026-10-01", "end": "2026-10-31", "label": "2026年10月"}


def test_record_rows(october):
    rows = list(selectors.feedback_rows(OCTOBER, ALL))
    assert [r["number"] for r in rows][:2] == [october.feedback["f1"].number, october.feedback["f3"].number]
    assert len(rows) == 12
    assert {key for key, _label in selectors.FEEDBACK_ROW_COLUMNS} == set(rows[0])
    f12 = next(r for r in rows if r["number"] == october.feedback["f12"].number)
    assert set(f12["departments"].split("、")) == {"研发部", "生产部"}
    assert f12["clock_capa_form"] == "已超期"
    f1 = rows[0]
    assert (f1["clock_registration"], f1["satisfaction"], f1["category"]) == (
        "按时完成",
        "满意",
        "功能性问题",
    )
    assert next(r for r in rows if r["number"] == october.feedback["f11"].number)["category"] == "未分类"
    capas = list(selectors.capa_rows(OCTOBER, ALL))
    by_number = {r["number"]: r for r in capas}
    assert set(by_number) == {october.capas[k].number for k in ("c1", "c2", "c3", "c4", "c6")}
    c1 = by_number[october.capas["c1"].number]
    assert (c1["measures_total"], c1["measures_completed"], c1["feedbacks"]) == (
        3,
        2,
        october.feedback["f6"].number,
    )
