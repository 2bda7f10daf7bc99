"""The period rules, once for the page's form and the API's serializer: a month, the last 30/90 days or a date
range; end before start, a future month or date, a range over 24 months and an unknown product line refused in
Chinese."""

import datetime as dt

import pytest

from reports.periods import Period, PeriodForm, PeriodSerializer

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 3)


def form(**data):
    f = PeriodForm(data=data, today=TODAY)
    return f, f.is_valid()


def serializer(**data):
    s = PeriodSerializer(data=data, today=TODAY)
    return s, s.is_valid()


def test_period_helpers():
    november = Period.month(2026, 11)
    assert (november.start, november.end, november.label) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        "2026年11月",
    )
    assert november.start_at.isoformat() == "2026-11-01T00:00:00+08:00"
    assert november.end_at.isoformat() == "2026-12-01T00:00:00+08:00"  # exclusive
    assert november.previous() == Period.month(2026, 10)
    assert Period.month(2026, 1).previous() == Period.month(2025, 12)
    span = Period(dt.date(2026, 10, 10), dt.date(2026, 10, 19))
    assert span.label == "2026-10-10 至 2026-10-19"
    assert span.previous() == Period(dt.date(2026, 9, 30), dt.date(2026, 10, 9))  # same length, just before
    assert Period.last_days(30, TODAY) == Period(dt.date(2026, 11, 4), TODAY)
    assert Period.month(2026, 10).months_back(12) == Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31))


@pytest.mark.parametrize("check", [form, serializer])
def test_valid_periods(check, october):
    assert check()[0].is_valid()  # nothing: this month
    for data, expected in [
        ({}, Period.month(2026, 12)),
        ({"month": "2026-11"}, Period.month(2026, 11)),
        ({"month": "2026-12"}, Period.month(2026, 12)),  # the current month, still running
        ({"preset": "last90"}, Period.last_days(90, TODAY)),
        (
            {"start": "2024-12-04", "end": "2026-12-03"},
            Period(dt.date(2024, 12, 4), TODAY),
        ),  # 24 months exactly
        ({"start": "2026-10-01", "end": "2026-10-01"}, Period(dt.date(2026, 10, 1), dt.date(2026, 10, 1))),
    ]:
        obj, ok = check(**data)
        assert ok, (data, obj.errors)
        period = obj.period if isinstance(obj, PeriodForm) else obj.validated_data["period"]
        assert period == expected
    obj, ok = check(month="2026-10", product_line=str(october.lines["ac"].pk))
    assert ok
    line = (
        obj.filters["product_line_id"]
        if isinstance(obj, PeriodForm)
        else obj.validated_data["product_line_id"]
    )
    assert line == october.lines["ac"].pk


@pytest.mark.parametrize("check", [form, serializer])
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"start": "2026-10-10", "end": "2026-10-01"}, "end", "结束日期早于开始日期。"),
        ({"month": "2027-01"}, "month", "该月份尚未开始：请选择本月或更早的月份。"),
        ({"start": "2026-11-01", "end": "2026-12-04"}, "end", "结束日期不能晚于今天。"),
        ({"start": "2024-12-03", "end": "2026-12-03"}, "end", "期间不能超过24个月。"),
        ({"start": "2026-10-01"}, "end", "请填写结束日期。"),
        ({"month": "2026-13"}, "month", "请按 YYYY-MM 填写月份，例如 2026-11。"),
        ({"month": "1999-12"}, "month", "请选择2000年1月及以后的月份。"),
        ({"preset": "last7"}, "preset", "未知的快捷期间：请选择最近30天或最近90天。"),
        ({"product_line": "999999"}, "product_line", "未知的产品线。"),
    ],
)
def test_refused_periods(check, data, field, message):
    obj, ok = check(**data)
    assert not ok
    assert [str(m) for m in obj.errors[field]] == [message]
