"""Feedback volume and its mix: per day, the 12-month trend, category / severity / channel shares, the TOP 5
fault phenomena and product models (Pareto)."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, NullIf, TruncDate, TruncMonth

from catalog.models import FaultPhenomenon, ProductModel
from feedback.filters import (
    NONE,
)
from feedback.models import Category, Channel, Severity
from reports import tallies
from reports.periods import Period
from reports.tallies import Bucket
from workcalendar.calendar import CHINA

from .base import (
    NO_CHANNEL_LABEL,
    OTHERS,
    OTHERS_LABEL,
    TOP_N,
    UNCLASSIFIED_LABEL,
    UNGRADED_LABEL,
    Scope,
    _drill,
    _feedbacks,
    _items,
    _month_key,
    _month_starts,
    _period_drill,
    _share,
    _tally,
)


# --- the figures ------------------------------------------------------------------------------------------------
def volume_per_day(period: Period, scope: Scope) -> dict:
    """Feedback in the period per local day, every day of the period (zeros included).
    ``{"total": int, "drill": dict, "days": [{"date": "YYYY-MM-DD", "count": int, "drill": dict}]}``"""
    if tallies.enabled():
        rows = (
            _tally(Bucket.CATEGORY, period, scope).values("day").annotate(n=Sum("n")).values_list("day", "n")
        )
    else:
        rows = (
            _feedbacks(period, scope)
            .annotate(day=TruncDate("feedback_time", tzinfo=CHINA))
            .values("day")
            .annotate(n=Count("pk"))
            .values_list("day", "n")
        )
    counts = dict(rows)
    days = []
    day = period.start
    while day <= period.end:
        iso = day.isoformat()
        days.append(
            {
                "date": iso,
                "count": counts.get(day, 0),
                "drill": _drill(scope, received_from=iso, received_to=iso),
            }
        )
        day += dt.timedelta(days=1)
    return {"total": sum(counts.values()), "drill": _period_drill(period, scope), "days": days}


def volume_trend_12m(period: Period, scope: Scope) -> dict:
    """Feedback per calendar month, the 12 months ending with the month of ``period.end``.
    ``{"months": [{"month": "YYYY-MM", "label": str, "count": int, "drill": dict}]}``"""
    span = period.months_back(12)
    if tallies.enabled():
        rows = (
            _tally(Bucket.CATEGORY, span, scope)
            .annotate(month=TruncMonth("day"))
            .values("month")
            .annotate(n=Sum("n"))
            .values_list("month", "n")
        )
    else:
        rows = (
            _feedbacks(span, scope)
            .annotate(month=TruncMonth("feedback_time", tzinfo=CHINA))
            .values("month")
            .annotate(n=Count("pk"))
            .values_list("month", "n")
        )
    counts = {_month_key(month): n for month, n in rows}
    months = []
    for first in _month_starts(period):
        month = Period.month(first.year, first.month)
        months.append(
            {
                "month": _month_key(first),
                "label": month.label,
                "count": counts.get(_month_key(first), 0),
                "drill": _period_drill(month, scope),
            }
        )
    return {"months": months}


def _mix(period: Period, scope: Scope, field: str, choices, none_label, *, always_none: bool) -> dict:
    """Counts of ``field``'s values among the feedback in the period, in one aggregate (Count(filter=…) per value
    plus the empty value)."""
    keys = [key for key, _label in choices]
    if tallies.enabled():
        counts = dict.fromkeys([*keys, NONE], 0)
        for key, n in _tally(field, period, scope).values("key").annotate(n=Sum("n")).values_list("key", "n"):
            counts[key or NONE] = counts.get(key or NONE, 0) + n
        total = sum(counts.values())
    else:
        aggregates = {f"c_{key}": Count("pk", filter=Q(**{field: key})) for key in keys}
        aggregates["c_" + NONE] = Count("pk", filter=Q(**{field: ""}) | Q(**{f"{field}__isnull": True}))
        aggregates["total"] = Count("pk")
        row = _feedbacks(period, scope).aggregate(**aggregates)
        total = row.pop("total")
        counts = {key[2:]: n for key, n in row.items()}
    shown = list(choices)
    if always_none or counts[NONE]:
        shown.append((NONE, none_label))
    return {
        "total": total,
        "items": _items(counts, shown, total, lambda key: _period_drill(period, scope, **{field: key})),
    }


def category_share(period: Period, scope: Scope) -> dict:
    """Feedback in the period by category; not yet classified as 未分类 (key ``none``).
    ``{"total": int, "items": [Item]}`` — the four categories in their order, then 未分类 (always present)."""
    return _mix(period, scope, "category", Category.choices, UNCLASSIFIED_LABEL, always_none=True)


def severity_mix(period: Period, scope: Scope) -> dict:
    """By severity Ⅰ/Ⅱ/Ⅲ, then 未分级 (key ``none``). ``{"total": int, "items": [Item]}``"""
    return _mix(period, scope, "severity", Severity.choices, UNGRADED_LABEL, always_none=True)


def channel_mix(period: Period, scope: Scope) -> dict:
    """By channel in their order (then 未填写, key ``none``, only when some). ``{"total": int, "items": [Item]}``"""
    return _mix(period, scope, "channel", Channel.choices, NO_CHANNEL_LABEL, always_none=False)


class _RunningCount(Func):
    """``SUM(COUNT(*)) OVER (ORDER BY …)``: the running total of a grouped count, in the grouping query itself
    (Django's Window refuses an aggregate inside an aggregate)."""

    template = (
        "SUM(COUNT(*)) OVER (ORDER BY %(expressions)s ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    )
    contains_aggregate = True
    contains_over_clause = True
    window_compatible = True
    output_field = IntegerField()


def _pareto(
    period: Period,
    scope: Scope,
    *,
    field: str,
    order: list[str],
    label_of,
    drill_param: str,
    exclude_param: str,
) -> dict:
    """TOP 5 of ``field`` (a foreign key) with a running total from a window function; the empty value last."""
    if tallies.enabled():
        rows = _pareto_tallied(period, scope, field, order)
    else:
        unnamed_last = Case(When(**{f"{field}__isnull": True}, then=Value(1)), default=Value(0))
        tail = [*[F(name).asc() for name in order], F(f"{field}_id").asc()]
        rows = list(
            _feedbacks(period, scope)
            .values(f"{field}_id", *order)
            .annotate(n=Count("pk"), cumulative=_RunningCount(unnamed_last.asc(), Count("pk").desc(), *tail))
            .order_by(unnamed_last.asc(), F("n").desc(), *tail)
        )
    total = sum(row["n"] for row in rows)
    named = [row for row in rows if row[f"{field}_id"] is not None]
    unnamed = sum(row["n"] for row in rows if row[f"{field}_id"] is None)
    top, rest = named[:TOP_N], named[TOP_N:]
    items = [
        {
            "key": str(row[f"{field}_id"]),
            "label": label_of(row),
            "count": row["n"],
            "share": _share(row["n"], total),
            "cumulative_share": _share(row["cumulative"], total),
            "drill": _period_drill(period, scope, **{drill_param: str(row[f"{field}_id"])}),
        }
        for row in top
    ]
    if rest:
        others = sum(row["n"] for row in rest)
        excluded = ",".join(str(row[f"{field}_id"]) for row in top)
        items.append(
            {
                "key": OTHERS,
                "label": str(OTHERS_LABEL),
                "count": others,
                "share": _share(others, total),
                "cumulative_share": _share(rest[-1]["cumulative"], total),
                "drill": _period_drill(period, scope, **{exclude_param: excluded}),
            }
        )
    if unnamed:
        items.append(
            {
                "key": NONE,
                "label": str(UNCLASSIFIED_LABEL),
                "count": unnamed,
                "share": _share(unnamed, total),
                "cumulative_share": 1.0,
                "drill": _period_drill(period, scope, **{drill_param: NONE}),
            }
        )
    return {"total": total, "items": items}


def _pareto_tallied(period: Period, scope: Scope, field: str, order: list[str]) -> list[dict]:
    """The rows _pareto reads, from the tallies: counts per fault phenomenon (its bucket) or per product model
    (the volume bucket), the names of those few, ordered as the direct query orders them, with the running total."""
    if field == "fault_phenomenon":
        fault = FaultPhenomenon.objects.filter(pk=Cast(NullIf(OuterRef("key"), Value("")), BigIntegerField()))
        counted = (
            _tally(Bucket.FAULT, period, scope)
            .values("key")
            .annotate(n=Sum("n"), name=Subquery(fault.values("name")[:1]))
        )
        rows = [
            {
                f"{field}_id": int(row["key"]) if row["key"] else None,
                "fault_phenomenon__name": row["name"],
                "n": row["n"],
            }
            for row in counted
        ]
    else:
        model = ProductModel.objects.filter(pk=OuterRef("model_id"))
        counted = (
            _tally(Bucket.CATEGORY, period, scope)
            .values("model_id")
            .annotate(
                n=Sum("n"), name=Subquery(model.values("name")[:1]), code=Subquery(model.values("code")[:1])
            )
        )
        rows = [
            {
                f"{field}_id": row["model_id"] or None,
                "product_model__name": row["name"],
                "product_model__code": row["code"],
                "n": row["n"],
            }
            for row in counted
        ]
    rows = [row for row in rows if row["n"]]
    rows.sort(
        key=lambda row: (
            row[f"{field}_id"] is None,
            -row["n"],
            *[row[o] or "" for o in order],
            row[f"{field}_id"] or 0,
        )
    )
    running = 0
    for row in rows:
        running += row["n"]
        row["cumulative"] = running
    return rows


def top_faults(period: Period, scope: Scope) -> dict:
    """Pareto of fault phenomena: the TOP 5 by count (ties by name), then 其他 (key ``other``, the remaining
    phenomena, only when some), then 未分类 (key ``none``, no phenomenon yet, only when some). Shares and the
    cumulative share are over all feedback in the period, so the last cumulative share is 1.0.
    ``{"total": int, "items": [ParetoItem]}`` (key of a phenomenon = its id as str)."""
    return _pareto(
        period,
        scope,
        field="fault_phenomenon",
        order=["fault_phenomenon__name"],
        label_of=lambda row: row["fault_phenomenon__name"],
        drill_param="fault",
        exclude_param="fault_exclude",
    )


def top_models(period: Period, scope: Scope) -> dict:
    """As top_faults, for product models (label "name code"). ``{"total": int, "items": [ParetoItem]}``"""
    return _pareto(
        period,
        scope,
        field="product_model",
        order=["product_model__name", "product_model__code"],
        label_of=lambda row: f"{row['product_model__name']} {row['product_model__code']}",
        drill_param="product_model",
        exclude_param="model_exclude",
    )
