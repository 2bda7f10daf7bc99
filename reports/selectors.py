"""The management figures (DOMAIN.md "Figures"): one function per figure, one aggregate query each, shared by the
dashboard page, the JSON API and the Excel workbook. No figure is computed in two places, none by looping over
records in Python.

Every function takes ``(period, scope)`` and returns plain, JSON-serialisable dicts and lists. Rates are floats
0..1, or None when nothing was counted (shown as "—"). Every counted item carries ``drill``: the feedback list's
query parameters (``/feedback/?…``) that list exactly the feedback counted, so the list's count equals the number.
Where the thing counted is not a feedback (a measure, a CAPA form) ``drill`` is None.

Shapes (the contract the dashboard and the workbook build on)::

    Item = {"key": str, "label": str, "count": int, "share": float | None, "drill": dict}
    ParetoItem = Item + {"cumulative_share": float | None}
    ClockFigure = {"kind": str, "label": str, "met": int, "missed": int, "overdue": int, "total": int,
                   "rate": float | None, "drill": {"met": dict, "missed": dict, "overdue": dict, "total": dict}}

Counting rules, once:
- feedback in the period = not draft, not voided, feedback time in [period.start_at, period.end_at);
- a clock's figure = its deadline (``due_at``) in the period; met / missed by outcome, overdue = running, not paused
  and past its deadline now; cancelled clocks count nowhere; voided feedback counts nowhere;
- department scope = feedback assigned to that department (any assignment), as the department head's list shows;
  product line scope = feedback whose product model is of that line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from accounts.roles import Role
from catalog.models import FaultPhenomenon, ProductModel
from corrective_actions.models import Capa, CapaStatus, EffectVerification, Measure, RootCauseCategory
from feedback.filters import (
    NONE,
    OPEN_STATUSES,
    ClockOutcome,
    SatisfactionChoice,
    Timeliness,
    clock_outcome_q,
    satisfaction_q,
)
from feedback.models import Assignment, Callback, Category, Channel, Feedback, Severity, Status
from sla.models import ClockKind, Outcome, SlaClock
from workcalendar.calendar import CHINA, get_calendar

from . import tallies
from .models import Tally
from .periods import Period
from .tallies import Bucket

UNCLASSIFIED = NONE  # the key of 未分类 / 未分级 items (and the drill value that lists them)
OTHERS = "other"  # the key of 其他 in the TOP 5 lists
TOP_N = 5
DEPARTMENT_CLOCKS = (ClockKind.CAPA_FORM, ClockKind.MEASURE)
NOT_COUNTED = (Status.DRAFT, Status.VOIDED)

UNCLASSIFIED_LABEL = _("Unclassified")
UNGRADED_LABEL = _("Not graded")
NO_CHANNEL_LABEL = _("Not given")
OTHERS_LABEL = _("Others")


@dataclass(frozen=True)
class Scope:
    """Whose figures: everything (both None), one department, and/or one product line."""

    department_id: int | None = None
    product_line_id: int | None = None

    def as_params(self) -> dict[str, str]:
        """The feedback list's parameters that restrict it to this scope."""
        params = {}
        if self.department_id is not None:
            params["department"] = str(self.department_id)
        if self.product_line_id is not None:
            params["product_line"] = str(self.product_line_id)
        return params

    def as_json(self) -> dict:
        return {"department_id": self.department_id, "product_line_id": self.product_line_id}


def can_see_dashboard(user) -> bool:
    """Quality engineers, management (and superusers) see all; a department head sees their department."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.has_role(Role.QUALITY_ENGINEER, Role.MANAGEMENT):
        return True
    return user.has_role(Role.DEPT_HEAD) and user.department_id is not None


def scope_for(user, product_line_id: int | None = None) -> Scope:
    """The scope ``user`` may see: quality / management → everything; a department head → their department;
    anybody else → Http404 (not found and forbidden look the same)."""
    if not can_see_dashboard(user):
        raise Http404
    if user.is_superuser or user.has_role(Role.QUALITY_ENGINEER, Role.MANAGEMENT):
        return Scope(product_line_id=product_line_id)
    return Scope(department_id=user.department_id, product_line_id=product_line_id)


# --- building blocks: the one place each rule is written -------------------------------------------------------
def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _in(field: str, period: Period) -> Q:
    """``field`` (a datetime) within the period's local days."""
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


_line_models_cache: ContextVar[dict | None] = ContextVar("line_models", default=None)


def _line_models(scope: Scope) -> list[int]:
    """The product models of the scope's line: a product line filter is a filter on these few model ids, given as
    a list so that the planner knows how many feedback they have (a subquery is estimated at one model). Read once
    per dashboard (small_queries keeps them), once per figure otherwise."""
    cache = _line_models_cache.get()
    if cache is not None and scope.product_line_id in cache:
        return cache[scope.product_line_id]
    ids = list(ProductModel.objects.filter(line_id=scope.product_line_id).values_list("pk", flat=True))
    if cache is not None:
        cache[scope.product_line_id] = ids
    return ids


def _scope_q(scope: Scope, prefix: str = "") -> Q:
    """Feedback in scope; ``prefix`` is the path to the feedback ("feedback__" from a clock). From a related
    record the drafts and voided records are left out with ``NOT IN`` (a small set, read through the status
    index) rather than by joining every feedback."""
    if prefix:
        q = ~Q(**{f"{prefix[:-2]}_id__in": Feedback.objects.filter(status__in=NOT_COUNTED).values("pk")})
    else:
        q = ~Q(status__in=NOT_COUNTED)
    if scope.product_line_id is not None:
        q &= Q(**{f"{prefix}product_model_id__in": _line_models(scope)})
    if scope.department_id is not None:
        feedback_ref = OuterRef(f"{prefix[:-2]}_id") if prefix else OuterRef("pk")
        q &= Q(Exists(Assignment.objects.filter(feedback=feedback_ref, department_id=scope.department_id)))
    return q


def _feedbacks(period: Period | None, scope: Scope) -> QuerySet:
    """Feedback in the period (feedback time), not draft nor voided, in scope."""
    qs = Feedback.objects.filter(_scope_q(scope))
    if period is not None:
        qs = qs.filter(_in("feedback_time", period))
    return qs.order_by()


def _drill(scope: Scope, *parts: dict, **params) -> dict:
    drill: dict = dict(scope.as_params())
    for part in parts:
        drill.update(part)
    drill.update({k: v for k, v in params.items() if v is not None})
    return drill


def _period_drill(period: Period, scope: Scope, **params) -> dict:
    return _drill(scope, period.as_params(), **params)


def _clock_dates(period: Period) -> dict:
    return {"clock_due_from": period.start.isoformat(), "clock_due_to": period.end.isoformat()}


def _clock_counts(prefix: str = "", now: dt.datetime | None = None, where: Q | None = None) -> dict:
    """Count(filter=…) of met / missed / overdue clocks (the on-time rate's parts), each optionally narrowed by
    ``where`` (a period, a kind)."""
    now = now or timezone.now()
    where = where if where is not None else Q()
    return {
        f"{prefix}met": Count("pk", filter=where & clock_outcome_q(ClockOutcome.MET, now)),
        f"{prefix}missed": Count("pk", filter=where & clock_outcome_q(ClockOutcome.MISSED, now)),
        f"{prefix}overdue": Count("pk", filter=where & clock_outcome_q(ClockOutcome.OVERDUE, now)),
    }


def _clock_figure(row: dict, drill: dict, prefix: str = "") -> dict:
    met, missed, overdue = row[f"{prefix}met"], row[f"{prefix}missed"], row[f"{prefix}overdue"]
    total = met + missed + overdue
    return {
        "met": met,
        "missed": missed,
        "overdue": overdue,
        "total": total,
        "rate": _rate(met, total),
        "drill": {
            "met": {**drill, "clock_outcome": ClockOutcome.MET},
            "missed": {**drill, "clock_outcome": ClockOutcome.MISSED},
            "overdue": {**drill, "clock_outcome": ClockOutcome.OVERDUE},
            "total": {**drill, "clock_outcome": ClockOutcome.COUNTED},
        },
    }


def _clocks(scope: Scope) -> QuerySet:
    return (
        SlaClock.objects.filter(_scope_q(scope, "feedback__")).exclude(outcome=Outcome.CANCELLED).order_by()
    )


def _tally(bucket: str, period: Period, scope: Scope) -> QuerySet:
    """The tally rows of ``bucket`` in the period and scope (reports/tallies.py; PostgreSQL)."""
    models = _line_models(scope) if scope.product_line_id is not None else None
    return tallies.rows(bucket, period.start, period.end, scope.department_id, models)


def _overdue(scope: Scope, period: Period, now: dt.datetime) -> QuerySet:
    """Running clocks with their deadline in the period and past it now: read directly (not tallied), through
    the running clocks' partial index."""
    return _clocks(scope).filter(_in("due_at", period)).filter(clock_outcome_q(ClockOutcome.OVERDUE, now))


def _tallied_clock_counts(period: Period, scope: Scope, now: dt.datetime, kinds, by_department=False) -> dict:
    """{(department or None, kind): {"met", "missed", "overdue"}}: met / missed from the tallies, overdue now
    from the running clocks."""
    keys = [f"{kind}:{outcome}" for kind in kinds for outcome in (Outcome.MET, Outcome.MISSED)]
    group = ["key", "key2"] if by_department else ["key"]
    out: dict = {}
    for row in _tally(Bucket.CLOCK, period, scope).filter(key__in=keys).values(*group).annotate(n=Sum("n")):
        kind, outcome = row["key"].split(":")
        cell = out.setdefault((row.get("key2"), kind), {"met": 0, "missed": 0, "overdue": 0})
        cell[outcome] += row["n"]
    overdue = _overdue(scope, period, now).filter(kind__in=kinds)
    if by_department:
        overdue = overdue.annotate(department_id=_lead_department_of_clock()).values("department_id", "kind")
    else:
        overdue = overdue.values("kind")
    for row in overdue.annotate(n=Count("pk")):
        cell = out.setdefault((row.get("department_id"), row["kind"]), {"met": 0, "missed": 0, "overdue": 0})
        cell["overdue"] += row["n"]
    return out


def _month_starts(period: Period, n: int = 12) -> list[dt.date]:
    first = period.months_back(n).start
    months, day = [], first
    for _i in range(n):
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_key(day) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _items(counts: dict, choices: list[tuple[str, str]], total: int, drill_of) -> list[dict]:
    return [
        {
            "key": key,
            "label": str(label),
            "count": counts.get(key, 0),
            "share": _share(counts.get(key, 0), total),
            "drill": drill_of(key),
        }
        for key, label in choices
    ]


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
        counted = _tally(Bucket.FAULT, period, scope).values_list("key").annotate(n=Sum("n"))
        counts = {int(key) if key else None: n for key, n in counted}
        names = FaultPhenomenon.objects.filter(pk__in=[k for k in counts if k]).values("pk", "name")
        named = {row["pk"]: {"fault_phenomenon__name": row["name"]} for row in names}
    else:
        counted = _tally(Bucket.CATEGORY, period, scope).values_list("model_id").annotate(n=Sum("n"))
        counts = {key or None: n for key, n in counted}
        names = ProductModel.objects.filter(pk__in=[k for k in counts if k]).values("pk", "name", "code")
        named = {
            row["pk"]: {"product_model__name": row["name"], "product_model__code": row["code"]}
            for row in names
        }
    empty = dict.fromkeys(order)
    rows = [{f"{field}_id": key, **named.get(key, empty), "n": n} for key, n in counts.items() if n]
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


def sla_compliance(period: Period, scope: Scope) -> dict:
    """Per clock kind (all seven, in ClockKind order): clocks whose deadline falls in the period.
    ``{"clocks": [ClockFigure], "overall": ClockFigure without kind, with drill None}``"""
    now = timezone.now()
    if tallies.enabled():
        cells = _tallied_clock_counts(period, scope, now, ClockKind.values)
        row = {
            f"{kind}__{name}": cells.get((None, kind), {}).get(name, 0)
            for kind in ClockKind.values
            for name in ("met", "missed", "overdue")
        }
    else:
        aggregates = {}
        for kind in ClockKind.values:
            aggregates |= _clock_counts(f"{kind}__", now, Q(kind=kind))
        row = _clocks(scope).filter(_in("due_at", period)).aggregate(**aggregates)
    base = _drill(scope, _clock_dates(period))
    clocks = []
    for kind, label in ClockKind.choices:
        figure = _clock_figure(row, {**base, "clock_kind": kind}, prefix=f"{kind}__")
        clocks.append({"kind": kind, "label": str(label), **figure})
    overall_row = {
        name: sum(row[f"{kind}__{name}"] for kind in ClockKind.values)
        for name in ("met", "missed", "overdue")
    }
    # The overall figure counts clocks of every kind: one feedback may have several, so no list reproduces it.
    return {"clocks": clocks, "overall": {**_clock_figure(overall_row, base), "drill": None}}


def _lead_department_of_clock():
    """A clock's department: the measure's for a measure clock, otherwise the feedback's lead department (the same
    rule as the list's ``clock_department`` filter). Two index lookups per clock of the period, no join of every
    measure or assignment."""
    lead = Assignment.objects.filter(feedback=OuterRef("feedback_id"), is_lead=True).values("department_id")[
        :1
    ]
    measure = Measure.objects.filter(pk=OuterRef("measure_id")).values("department_id")[:1]
    return Case(
        When(measure__isnull=False, then=Subquery(measure, output_field=IntegerField())),
        default=Subquery(lead, output_field=IntegerField()),
        output_field=IntegerField(),
    )


def _measure_counts(prefix: str, where: Q, today: dt.date) -> dict:
    """Measures (withdrawn ones excluded by the caller): total, completed; due (planned date passed) and delayed
    (completed after the planned date, or still open past it)."""
    completed = Q(state=Measure.State.COMPLETED)
    passed = Q(planned_date__lt=today)
    return {
        f"{prefix}total": Count("pk", filter=where),
        f"{prefix}completed": Count("pk", filter=where & completed),
        f"{prefix}due": Count("pk", filter=where & passed),
        f"{prefix}delayed": Count(
            "pk",
            filter=where & ((completed & Q(completed_date__gt=F("planned_date"))) | (~completed & passed)),
        ),
    }


def _measures(scope: Scope) -> QuerySet:
    """Measures counted for a department (the owner's when planned); read through the (department, planned date)
    index. Withdrawn measures count nowhere."""
    qs = Measure.objects.exclude(state=Measure.State.WITHDRAWN)
    if scope.department_id is not None:
        qs = qs.filter(department_id=scope.department_id)
    else:
        qs = qs.filter(department_id__in=Department.objects.values("pk"))
    if scope.product_line_id is not None:
        qs = qs.filter(capa__opened_for__product_model_id__in=_line_models(scope))
    return qs.order_by()


def _planned_in(period: Period) -> Q:
    return Q(planned_date__gte=period.start, planned_date__lte=period.end)


def _capas(scope: Scope) -> QuerySet:
    qs = Capa.objects.all()
    if scope.department_id is not None:
        qs = qs.filter(lead_department_id=scope.department_id)
    if scope.product_line_id is not None:
        qs = qs.filter(opened_for__product_model_id__in=_line_models(scope))
    return qs.order_by()


def _capa_working_days(scope: Scope, period: Period) -> dict[int, tuple[int, float | None]]:
    """Per lead department: (forms submitted in the period, average working days from the lead assignment to
    submission). One aggregate per (department, assignment day, submission day); the working days of each such
    pair come from the calendar's pure function (days loaded once), so the work grows with the number of distinct
    day pairs (bounded by the period's length × the spread of assignment days), never with the records."""
    assigned = Assignment.objects.filter(
        feedback=OuterRef("opened_for_id"), department=OuterRef("lead_department_id")
    ).values("assigned_at")[:1]
    rows = (
        _capas(scope)
        .filter(_in("submitted_at", period))
        .annotate(
            assigned_day=TruncDate(Subquery(assigned, output_field=DateTimeField()), tzinfo=CHINA),
            submitted_day=TruncDate("submitted_at", tzinfo=CHINA),
        )
        .values("lead_department_id", "assigned_day", "submitted_day")
        .annotate(n=Count("pk"))
    )
    calendar = get_calendar()
    sums: dict[int, list] = {}
    for row in rows:
        forms, days, counted = sums.setdefault(row["lead_department_id"], [0, 0, 0])
        forms += row["n"]
        if row["assigned_day"] is not None:
            span = calendar.working_days_between(
                row["assigned_day"] + dt.timedelta(days=1), row["submitted_day"]
            )
            days += span * row["n"]
            counted += row["n"]
        sums[row["lead_department_id"]] = [forms, days, counted]
    return {
        dept: (forms, days / counted if counted else None) for dept, (forms, days, counted) in sums.items()
    }


def department_efficiency(period: Period, scope: Scope) -> dict:
    """Per active department (only the scope's department when scoped)::

        {"departments": [{
            "department_id": int, "name": str,
            "clocks": [ClockFigure for capa_form (the lead department's) and measure (the measure's department)],
            "capa_forms": int, "capa_days_avg": float | None,       # working days assignment → CAPA submitted,
                                                                    # forms submitted in the period (lead dept)
            "measures_total": int, "measures_completed": int, "completion_rate": float | None,
            "measures_due": int, "measures_delayed": int, "delay_rate": float | None,
            "feedback": int, "drill": dict,                         # feedback in the period assigned to it
        }]}

    Measures: planned date in the period (withdrawn ones not counted); completed = state completed; due = planned
    date passed (before today); delayed = completed after the planned date, or still open past it.
    Five queries: the departments, their feedback, the clocks, the CAPA forms, the measures."""
    now, today = timezone.now(), timezone.localdate()
    departments = Department.objects.filter(is_active=True).order_by("id")
    if scope.department_id is not None:
        departments = Department.objects.filter(pk=scope.department_id)
    departments = list(departments.values("id", "name"))
    if tallies.enabled():
        clocks = _tallied_clock_counts(period, scope, now, DEPARTMENT_CLOCKS, by_department=True)
    else:
        clock_rows = (
            _clocks(scope)
            .filter(_in("due_at", period), kind__in=DEPARTMENT_CLOCKS)
            .annotate(department_id=_lead_department_of_clock())
            .values("department_id", "kind")
            .annotate(**_clock_counts(now=now))
        )
        clocks = {(row["department_id"], row["kind"]): row for row in clock_rows}
    capa = _capa_working_days(scope, period)
    measure_rows = (
        _measures(scope)
        .filter(_planned_in(period), department_id__in=[d["id"] for d in departments])
        .values("department_id")
        .annotate(**_measure_counts("", Q(), today))
    )
    measures = {row["department_id"]: row for row in measure_rows}
    if tallies.enabled():
        # a department's feedback = its own scope's volume (feedback assigned to it, in the line's models)
        models = _line_models(scope) if scope.product_line_id is not None else None
        tallied = Tally.objects.filter(
            bucket=Bucket.CATEGORY,
            department_id__in=[d["id"] for d in departments],
            day__gte=period.start,
            day__lte=period.end,
        )
        if models is not None:
            tallied = tallied.filter(model_id__in=models)
        feedback_counts = dict(
            tallied.order_by().values("department_id").annotate(n=Sum("n")).values_list("department_id", "n")
        )
    else:
        feedback_counts = dict(
            _feedbacks(period, scope)
            .filter(assignments__isnull=False)
            .values("assignments__department_id")
            .annotate(n=Count("pk"))
            .values_list("assignments__department_id", "n")
        )
    empty_clock = {"met": 0, "missed": 0, "overdue": 0}
    empty_measures = {"total": 0, "completed": 0, "due": 0, "delayed": 0}
    out = []
    for department in departments:
        dept_id = department["id"]
        figures = []
        for kind in DEPARTMENT_CLOCKS:
            drill = _drill(scope, _clock_dates(period), clock_kind=kind, clock_department=str(dept_id))
            row = clocks.get((dept_id, kind), empty_clock)
            figures.append({"kind": kind, "label": str(ClockKind(kind).label), **_clock_figure(row, drill)})
        forms, avg_days = capa.get(dept_id, (0, None))
        m = measures.get(dept_id, empty_measures)
        out.append(
            {
                "department_id": dept_id,
                "name": department["name"],
                "feedback": feedback_counts.get(dept_id, 0),
                "clocks": figures,
                "capa_forms": forms,
                "capa_days_avg": avg_days,
                "measures_total": m["total"],
                "measures_completed": m["completed"],
                "completion_rate": _rate(m["completed"], m["total"]),
                "measures_due": m["due"],
                "measures_delayed": m["delayed"],
                "delay_rate": _rate(m["delayed"], m["due"]),
                "drill": _period_drill(period, scope, department=str(dept_id)),
            }
        )
    return {"departments": out}


SATISFACTION_KEYS = [
    (SatisfactionChoice.SATISFIED, _("Satisfied")),
    (SatisfactionChoice.BASIC, _("Basically satisfied")),
    (SatisfactionChoice.UNSATISFIED, _("Unsatisfied")),
    (SatisfactionChoice.UNREACHABLE, _("Customer unreachable")),
]


def _satisfaction_counts(prefix: str, where: Q) -> dict:
    return {
        f"{prefix}{key}": Count("pk", filter=where & satisfaction_q(key)) for key, _label in SATISFACTION_KEYS
    }


def _satisfaction_figure(row: dict, prefix: str = "") -> dict:
    counts = {key: row[f"{prefix}{key}"] for key, _label in SATISFACTION_KEYS}
    total = sum(counts.values())
    reached = total - counts[SatisfactionChoice.UNREACHABLE]
    happy = counts[SatisfactionChoice.SATISFIED] + counts[SatisfactionChoice.BASIC]
    return {"counts": counts, "total": total, "reached": reached, "rate": _rate(happy, reached)}


def _callbacks(scope: Scope) -> QuerySet:
    return Callback.objects.filter(_scope_q(scope, "feedback__")).filter(satisfaction_q(None)).order_by()


def _callback_drill(period: Period, scope: Scope, **params) -> dict:
    return _drill(
        scope, {"callback_from": period.start.isoformat(), "callback_to": period.end.isoformat()}, **params
    )


def satisfaction(period: Period, scope: Scope) -> dict:
    """Callbacks recorded (closed) in the period: 满意 / 基本满意 / 不满意 / unreachable.
    ``{"total": int, "reached": int, "rate": float | None, "drill": dict, "items": [Item keys satisfied, basic,
    unsatisfied, unreachable]}`` — rate = (satisfied + basic) / reached; shares over all recorded callbacks."""
    if tallies.enabled():
        row = dict.fromkeys([key for key, _label in SATISFACTION_KEYS], 0)
        row |= dict(
            _tally(Bucket.CALLBACK, period, scope).values("key").annotate(n=Sum("n")).values_list("key", "n")
        )
    else:
        row = _callbacks(scope).filter(_in("closed_at", period)).aggregate(**_satisfaction_counts("", Q()))
    figure = _satisfaction_figure(row)
    items = _items(
        figure["counts"],
        SATISFACTION_KEYS,
        figure["total"],
        lambda key: _callback_drill(period, scope, satisfaction=key),
    )
    return {
        "total": figure["total"],
        "reached": figure["reached"],
        "rate": figure["rate"],
        "drill": _callback_drill(period, scope, satisfaction=SatisfactionChoice.RECORDED),
        "items": items,
    }


def satisfaction_trend_12m(period: Period, scope: Scope) -> dict:
    """Per month, the 12 months ending with the month of ``period.end``:
    ``{"months": [{"month": "YYYY-MM", "label": str, "satisfied": int, "basic": int, "unsatisfied": int,
    "unreachable": int, "total": int, "reached": int, "rate": float | None, "drill": dict}]}``"""
    span = period.months_back(12)
    empty = {key: 0 for key, _label in SATISFACTION_KEYS}
    if tallies.enabled():
        by_month: dict = {}
        tallied = (
            _tally(Bucket.CALLBACK, span, scope)
            .annotate(month=TruncMonth("day"))
            .values_list("month", "key")
            .annotate(n=Sum("n"))
        )
        for month, key, n in tallied:
            by_month.setdefault(_month_key(month), dict(empty))[key] = n
    else:
        rows = (
            _callbacks(scope)
            .filter(_in("closed_at", span))
            .annotate(month=TruncMonth("closed_at", tzinfo=CHINA))
            .values("month")
            .annotate(**_satisfaction_counts("", Q()))
        )
        by_month = {_month_key(row["month"]): row for row in rows}
    months = []
    for first in _month_starts(period):
        month = Period.month(first.year, first.month)
        figure = _satisfaction_figure(by_month.get(_month_key(first), empty))
        months.append(
            {
                "month": _month_key(first),
                "label": month.label,
                **figure["counts"],
                "total": figure["total"],
                "reached": figure["reached"],
                "rate": figure["rate"],
                "drill": _callback_drill(month, scope, satisfaction=SatisfactionChoice.RECORDED),
            }
        )
    return {"months": months}


def _capa_effective_counts(prefix: str, where: Q) -> dict:
    """Forms verified effective (``where``: in a period) and, of them, those never verified otherwise before."""
    earlier_failure = EffectVerification.objects.filter(capa=OuterRef("pk")).exclude(
        result=EffectVerification.Result.EFFECTIVE
    )
    effective = where & Q(status=CapaStatus.EFFECTIVE)
    return {
        f"{prefix}effective": Count("pk", filter=effective),
        f"{prefix}first_time": Count("pk", filter=effective & ~Q(Exists(earlier_failure))),
    }


def capa_first_time_effectiveness(period: Period, scope: Scope) -> dict:
    """CAPA forms verified effective in the period; those whose first effect verification was already 有效.
    ``{"effective": int, "first_time": int, "rate": float | None, "drill": None}``"""
    row = (
        _capas(scope)
        .filter(_in("verified_effective_at", period))
        .aggregate(**_capa_effective_counts("", Q()))
    )
    return {
        "effective": row["effective"],
        "first_time": row["first_time"],
        "rate": _rate(row["first_time"], row["effective"]),
        "drill": None,
    }


def _registration_counts(prefix: str, where: Q) -> dict:
    return {
        f"{prefix}total": Count("pk", filter=where),
        f"{prefix}on_time": Count("pk", filter=where & Q(registered_at__lte=F("registration_due_at"))),
    }


def _registration_figure(row: dict, drill: dict, prefix: str = "") -> dict:
    total, on_time = row[f"{prefix}total"], row[f"{prefix}on_time"]
    return {
        "total": total,
        "on_time": on_time,
        "late": total - on_time,
        "rate": _rate(on_time, total),
        "drill": {
            "total": dict(drill),
            "on_time": {**drill, "timeliness": Timeliness.ON_TIME},
            "late": {**drill, "timeliness": Timeliness.LATE},
        },
    }


def _registered_drill(period: Period, scope: Scope, **params) -> dict:
    return _drill(
        scope,
        {"registered_from": period.start.isoformat(), "registered_to": period.end.isoformat()},
        **params,
    )


def _registration_tallied(period: Period, scope: Scope) -> list[dict]:
    """The per-agent rows of registration_timeliness from the tallies, with the agents' names, in its order."""
    per_agent: dict = {}
    tallied = _tally(Bucket.REGISTERED, period, scope).values_list("key2", "key").annotate(n=Sum("n"))
    for agent, key, n in tallied:
        row = per_agent.setdefault(agent or None, {"total": 0, "on_time": 0})
        row["total"] += n
        if key == "on_time":
            row["on_time"] += n
    names = {
        user["pk"]: user
        for user in User.objects.filter(pk__in=[a for a in per_agent if a]).values("pk", "name", "username")
    }
    rows = [
        {
            "registered_by_id": agent,
            "registered_by__name": names.get(agent, {}).get("name"),
            "registered_by__username": names.get(agent, {}).get("username"),
            **counts,
        }
        for agent, counts in per_agent.items()
        if counts["total"]
    ]
    rows.sort(
        key=lambda r: (
            r["registered_by__name"] or "",
            r["registered_by__username"] or "",
            r["registered_by_id"] or 0,
        )
    )
    return rows


def registration_timeliness(period: Period, scope: Scope) -> dict:
    """Registrations completed in the period, on or before their registration deadline; team and per agent
    (who registered it). ``{"team": T, "agents": [T + {"user_id": int, "name": str}]}`` with
    ``T = {"total": int, "on_time": int, "late": int, "rate": float | None,
    "drill": {"total": dict, "on_time": dict, "late": dict}}``"""
    if tallies.enabled():
        rows = _registration_tallied(period, scope)
    else:
        rows = list(
            _feedbacks(None, scope)
            .filter(_in("registered_at", period))
            .values("registered_by_id", "registered_by__name", "registered_by__username")
            .annotate(**_registration_counts("", Q()))
            .order_by("registered_by__name", "registered_by__username", "registered_by_id")
        )
    team_row = {"total": sum(r["total"] for r in rows), "on_time": sum(r["on_time"] for r in rows)}
    agents = [
        {
            "user_id": row["registered_by_id"],
            "name": row["registered_by__name"] or row["registered_by__username"],
            **_registration_figure(row, _registered_drill(period, scope, agent=str(row["registered_by_id"]))),
        }
        for row in rows
    ]
    return {"team": _registration_figure(team_row, _registered_drill(period, scope)), "agents": agents}


def backlog(period: Period, scope: Scope) -> dict:
    """Now (the period is ignored): open feedback by stage × severity, and running clocks overdue now by kind.
    ``{"as_of": iso datetime, "total": int, "drill": dict, "severities": [{"key", "label"}],
    "stages": [{"status": str, "label": str, "total": int, "drill": dict,
                "cells": [{"severity": key, "count": int, "drill": dict}]}],
    "overdue": [{"kind": str, "label": str, "count": int, "drill": dict}]}``"""
    now = timezone.now()
    rows = (
        _feedbacks(None, scope)
        .filter(status__in=OPEN_STATUSES)
        .values("status", "severity")
        .annotate(n=Count("pk"))
        .values_list("status", "severity", "n")
    )
    counts = {(status, severity or NONE): n for status, severity, n in rows}
    severities = [*Severity.choices, (NONE, UNGRADED_LABEL)]
    stages = []
    for status in OPEN_STATUSES:
        cells = [
            {
                "severity": key,
                "count": counts.get((status, key), 0),
                "drill": _drill(scope, status=status.value, severity=key),
            }
            for key, _label in severities
        ]
        stages.append(
            {
                "status": status.value,
                "label": str(Status(status).label),
                "total": sum(cell["count"] for cell in cells),
                "drill": _drill(scope, status=status.value),
                "cells": cells,
            }
        )
    overdue_rows = dict(
        _clocks(scope)
        .filter(clock_outcome_q(ClockOutcome.OVERDUE, now))
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    overdue = [
        {
            "kind": kind,
            "label": str(label),
            "count": overdue_rows.get(kind, 0),
            "drill": _drill(scope, clock_kind=kind, clock_outcome=ClockOutcome.OVERDUE),
        }
        for kind, label in ClockKind.choices
    ]
    return {
        "as_of": now.isoformat(),
        "total": sum(stage["total"] for stage in stages),
        "drill": _drill(scope, status=[s.value for s in OPEN_STATUSES]),
        "severities": [{"key": key, "label": str(label)} for key, label in severities],
        "stages": stages,
        "overdue": overdue,
    }


def _change(value, previous) -> str | None:
    if value is None or previous is None:
        return None
    return "up" if value > previous else "down" if value < previous else "same"


def _summary_tallied(periods: dict, both: Period, scope: Scope, now: dt.datetime) -> tuple[dict, dict, dict]:
    """summary's feedback, clock and callback sums for both periods from the tallies (three queries) and the
    running clocks overdue now (one), keyed as the direct aggregates."""
    models = _line_models(scope) if scope.product_line_id is not None else None
    buckets = [Bucket.CATEGORY, Bucket.SEVERITY, Bucket.REGISTERED, Bucket.CLOCK, Bucket.CALLBACK]
    tallied = tallies.rows(buckets, both.start, both.end, scope.department_id, models)
    sums: dict = {}
    overdue: dict = {}
    for prefix, p in periods.items():
        days = Q(day__gte=p.start, day__lte=p.end)
        sums[f"{prefix}feedback"] = tallies.total(days & Q(bucket=Bucket.CATEGORY))
        sums[f"{prefix}urgent"] = tallies.total(days & Q(bucket=Bucket.SEVERITY, key=Severity.URGENT))
        sums[f"{prefix}reg_total"] = tallies.total(days & Q(bucket=Bucket.REGISTERED))
        sums[f"{prefix}reg_on_time"] = tallies.total(days & Q(bucket=Bucket.REGISTERED, key="on_time"))
        for outcome in (Outcome.MET, Outcome.MISSED):
            sums[f"{prefix}{outcome}"] = tallies.total(
                days & Q(bucket=Bucket.CLOCK, key__endswith=f":{outcome}")
            )
        for key, _label in SATISFACTION_KEYS:
            sums[f"{prefix}{key}"] = tallies.total(days & Q(bucket=Bucket.CALLBACK, key=key))
        overdue[f"{prefix}overdue"] = Count("pk", filter=_in("due_at", p))
    row = tallied.aggregate(**sums)
    row |= _overdue(scope, both, now).aggregate(**overdue)
    return row, row, row


def summary(period: Period, scope: Scope) -> dict:
    """Totals and key rates for the period and the previous one (Period.previous()).
    ``{"period": {...}, "previous_period": {...}, "metrics": [{"key": str, "label": str, "kind": "count"|"rate",
    "value": int | float | None, "previous": int | float | None, "change": "up" | "down" | "same" | None,
    "drill": dict | None}]}``. Keys: feedback, urgent, sla_rate, satisfaction_rate, registration_rate,
    capa_first_time_rate, measure_completion_rate.

    Both periods in one aggregate per table (feedback, clocks, callbacks, CAPA forms, measures), with the same
    counting rules as the figures (the shared _*_counts builders)."""
    previous = period.previous()
    both = Period(previous.start, period.end)
    now, today = timezone.now(), timezone.localdate()
    periods = {"cur_": period, "prev_": previous}
    feedback_aggregates: dict = {}
    clock_aggregates: dict = {}
    callback_aggregates: dict = {}
    capa_aggregates: dict = {}
    measure_aggregates: dict = {}
    for prefix, p in periods.items():
        received = _in("feedback_time", p)
        feedback_aggregates[f"{prefix}feedback"] = Count("pk", filter=received)
        feedback_aggregates[f"{prefix}urgent"] = Count("pk", filter=received & Q(severity=Severity.URGENT))
        feedback_aggregates |= _registration_counts(f"{prefix}reg_", _in("registered_at", p))
        clock_aggregates |= _clock_counts(prefix, now, _in("due_at", p))
        callback_aggregates |= _satisfaction_counts(prefix, _in("closed_at", p))
        capa_aggregates |= _capa_effective_counts(prefix, _in("verified_effective_at", p))
        measure_aggregates |= _measure_counts(prefix, _planned_in(p), today)
    if tallies.enabled():
        f, c, s = _summary_tallied(periods, both, scope, now)
    else:
        f = (
            _feedbacks(None, scope)
            .filter(_in("feedback_time", both) | _in("registered_at", both))
            .aggregate(**feedback_aggregates)
        )
        c = _clocks(scope).filter(_in("due_at", both)).aggregate(**clock_aggregates)
        s = _callbacks(scope).filter(_in("closed_at", both)).aggregate(**callback_aggregates)
    k = _capas(scope).filter(_in("verified_effective_at", both)).aggregate(**capa_aggregates)
    m = _measures(scope).filter(_planned_in(both)).aggregate(**measure_aggregates)

    def values(prefix: str) -> dict:
        clock = _clock_figure(c, {}, prefix)
        return {
            "feedback": f[f"{prefix}feedback"],
            "urgent": f[f"{prefix}urgent"],
            "sla_rate": clock["rate"],
            "satisfaction_rate": _satisfaction_figure(s, prefix)["rate"],
            "registration_rate": _registration_figure(f, {}, f"{prefix}reg_")["rate"],
            "capa_first_time_rate": _rate(k[f"{prefix}first_time"], k[f"{prefix}effective"]),
            "measure_completion_rate": _rate(m[f"{prefix}completed"], m[f"{prefix}total"]),
        }

    current, before = values("cur_"), values("prev_")
    labels = {
        "feedback": (_("Feedback received"), "count", _period_drill(period, scope)),
        "urgent": (_("Ⅲ urgent"), "count", _period_drill(period, scope, severity=Severity.URGENT.value)),
        "sla_rate": (_("On-time rate (all deadlines)"), "rate", None),
        "satisfaction_rate": (_("Satisfaction rate"), "rate", None),
        "registration_rate": (_("Registration timeliness"), "rate", None),
        "capa_first_time_rate": (_("CAPA first-time effectiveness"), "rate", None),
        "measure_completion_rate": (_("Measure completion rate"), "rate", None),
    }
    metrics = [
        {
            "key": key,
            "label": str(label),
            "kind": kind,
            "value": current[key],
            "previous": before[key],
            "change": _change(current[key], before[key]),
            "drill": drill,
        }
        for key, (label, kind, drill) in labels.items()
    ]
    return {"period": period.as_json(), "previous_period": previous.as_json(), "metrics": metrics}


FIGURES = (
    "summary",
    "volume_per_day",
    "volume_trend_12m",
    "category_share",
    "severity_mix",
    "channel_mix",
    "top_faults",
    "top_models",
    "department_efficiency",
    "sla_compliance",
    "satisfaction",
    "satisfaction_trend_12m",
    "capa_first_time_effectiveness",
    "registration_timeliness",
    "backlog",
)


def dashboard(period: Period, scope: Scope) -> dict:
    """Everything above in one dict (the JSON API returns exactly this)::

    {"period": {"start", "end", "label"}, "scope": {...}, "generated_at": iso,
     "summary", "volume_per_day", "volume_trend_12m", "category_share", "severity_mix", "channel_mix",
     "top_faults", "top_models", "department_efficiency", "sla_compliance", "satisfaction",
     "satisfaction_trend_12m", "capa_first_time_effectiveness", "registration_timeliness", "backlog"}
    """
    functions = globals()
    out = {"period": period.as_json(), "scope": scope.as_json(), "generated_at": timezone.now().isoformat()}
    with small_queries():
        for name in FIGURES:
            out[name] = functions[name](period, scope)
    return out


@contextmanager
def small_queries():
    """The figures' queries each read a few thousand index entries: on PostgreSQL, within one transaction, no
    parallel workers (starting them costs more than the work) and index reads priced as on SSD storage (so that a
    12-month trend is read from its covering index, not by scanning the table)."""
    token = _line_models_cache.set({})
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                    cursor.execute("SET LOCAL random_page_cost = 1.1")
            yield
    finally:
        _line_models_cache.reset(token)


# --- the workbook's record sheets -------------------------------------------------------------------------------
class _Joined(Aggregate):
    """The values of a group joined with "、" (STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite)."""

    function = "STRING_AGG"
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor == "sqlite":
            return super().as_sql(
                compiler, connection, function="GROUP_CONCAT", template="%(function)s(%(expressions)s, '、')"
            )
        return super().as_sql(compiler, connection, template="%(function)s(%(expressions)s::text, '、')")


def _joined(qs: QuerySet, group: str, field: str) -> Subquery:
    return Subquery(
        qs.order_by().values(group).annotate(joined=_Joined(field)).values("joined")[:1],
        output_field=CharField(),
    )


def _clock_state_of(kind: str, now: dt.datetime) -> Subquery:
    """The latest (by deadline) clock of ``kind``: met / missed / overdue / running; cancelled ones skipped."""
    state = Case(
        When(clock_outcome_q(ClockOutcome.OVERDUE, now), then=Value(ClockOutcome.OVERDUE)),
        default=F("outcome"),
        output_field=CharField(),
    )
    latest = (
        SlaClock.objects.filter(feedback=OuterRef("pk"), kind=kind)
        .exclude(outcome=Outcome.CANCELLED)
        .annotate(state=state)
        .order_by("-due_at", "-id")
        .values("state")[:1]
    )
    return Subquery(latest, output_field=CharField())


CLOCK_STATE_LABELS = {
    Outcome.MET: _("Met"),
    Outcome.MISSED: _("Missed"),
    ClockOutcome.OVERDUE: _("Overdue"),
    Outcome.RUNNING: _("Running"),
}

FEEDBACK_ROW_COLUMNS: list[tuple[str, str]] = [
    ("number", _("Feedback number")),
    ("feedback_time", _("Feedback time")),
    ("registered_at", _("Registration completed at")),
    ("channel", _("Channel")),
    ("product_line", _("Product line")),
    ("product_model", _("Product model")),
    ("category", _("Category")),
    ("fault", _("Fault phenomenon")),
    ("severity", _("Severity")),
    ("departments", _("Responsible departments")),
    ("status", _("Status")),
    *[(f"clock_{kind}", label) for kind, label in ClockKind.choices],
    ("satisfaction", _("Satisfaction")),
]


def feedback_rows(period: Period, scope: Scope) -> Iterator[dict]:
    """One dict per feedback in the period, oldest first, streamed (values(), iterator(chunk_size=2000)), keys as
    FEEDBACK_ROW_COLUMNS: number, feedback_time / registered_at (aware datetimes), channel, product_line,
    product_model, category ("未分类" when empty), fault, severity, departments ("研发部、生产部"), status, one
    ``clock_<kind>`` per clock kind (按时 / 超时 / 已逾期 / 进行中, or "" when the record has none), satisfaction."""
    now = timezone.now()
    departments = _joined(Assignment.objects.filter(feedback=OuterRef("pk")), "feedback", "department__name")
    rows = (
        _feedbacks(period, scope)
        .annotate(
            departments=departments,
            **{f"clock_{kind}": _clock_state_of(kind, now) for kind in ClockKind.values},
        )
        .order_by("feedback_time", "id")
        .values(
            "number",
            "feedback_time",
            "registered_at",
            "channel",
            "product_model__line__name",
            "product_model__name",
            "product_model__code",
            "category",
            "fault_phenomenon__name",
            "severity",
            "departments",
            "status",
            "callback__state",
            "callback__satisfaction",
            *[f"clock_{kind}" for kind in ClockKind.values],
        )
    )
    channels, categories, severities = dict(Channel.choices), dict(Category.choices), dict(Severity.choices)
    statuses, satisfactions = dict(Status.choices), dict(SATISFACTION_KEYS)
    clock_labels = {key: str(label) for key, label in CLOCK_STATE_LABELS.items()}
    for row in rows.iterator(chunk_size=2000):
        if row["callback__state"] == Callback.State.UNREACHABLE:
            satisfied = str(satisfactions[SatisfactionChoice.UNREACHABLE])
        elif row["callback__state"] == Callback.State.DONE and row["callback__satisfaction"]:
            satisfied = str(satisfactions[row["callback__satisfaction"]])
        else:
            satisfied = ""
        model = " ".join(part for part in (row["product_model__name"], row["product_model__code"]) if part)
        yield {
            "number": row["number"],
            "feedback_time": row["feedback_time"],
            "registered_at": row["registered_at"],
            "channel": str(channels.get(row["channel"], "")),
            "product_line": row["product_model__line__name"] or "",
            "product_model": model,
            "category": str(categories.get(row["category"], UNCLASSIFIED_LABEL)),
            "fault": row["fault_phenomenon__name"] or "",
            "severity": str(severities.get(row["severity"], "")),
            "departments": row["departments"] or "",
            "status": str(statuses.get(row["status"], row["status"])),
            **{f"clock_{kind}": clock_labels.get(row[f"clock_{kind}"], "") for kind in ClockKind.values},
            "satisfaction": satisfied,
        }


CAPA_ROW_COLUMNS: list[tuple[str, str]] = [
    ("number", _("CAPA number")),
    ("title", _("Title")),
    ("lead_department", _("Lead department")),
    ("status", _("Status")),
    ("root_cause_category", _("Root-cause category")),
    ("root_cause_analysis", _("Root-cause analysis")),
    ("submitted_at", _("Submitted at")),
    ("verified_effective_at", _("Verified effective at")),
    ("round", _("Round")),
    ("measures_total", _("Measures")),
    ("measures_completed", _("Measures completed")),
    ("completion_rate", _("Measure completion rate")),
    ("effectiveness", _("Effect verification")),
    ("feedbacks", _("Feedback")),
]


def capa_rows(period: Period, scope: Scope) -> Iterator[dict]:
    """One dict per CAPA form submitted or verified effective in the period, keys as CAPA_ROW_COLUMNS:
    submitted_at / verified_effective_at aware datetimes or None, completion_rate float or None (withdrawn measures
    not counted), effectiveness the label of the latest effect verification ("" if none), feedbacks "PF…、PF…"."""
    latest_result = (
        EffectVerification.objects.filter(capa=OuterRef("pk"))
        .order_by("-verified_at", "-id")
        .values("result")[:1]
    )
    measures = Measure.objects.filter(capa=OuterRef("pk")).exclude(state=Measure.State.WITHDRAWN)
    rows = (
        _capas(scope)
        .filter(_in("submitted_at", period) | _in("verified_effective_at", period))
        .annotate(
            measures_total=Coalesce(
                Subquery(measures.order_by().values("capa").annotate(n=Count("pk")).values("n")[:1]), 0
            ),
            measures_completed=Coalesce(
                Subquery(
                    measures.filter(state=Measure.State.COMPLETED)
                    .order_by()
                    .values("capa")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            ),
            effectiveness=Subquery(latest_result, output_field=CharField()),
            feedback_numbers=_joined(Feedback.objects.filter(capa=OuterRef("pk")), "capa", "number"),
        )
        .order_by("submitted_at", "id")
        .values(
            "number",
            "title",
            "lead_department__name",
            "status",
            "root_cause_category",
            "root_cause_analysis",
            "submitted_at",
            "verified_effective_at",
            "round",
            "measures_total",
            "measures_completed",
            "effectiveness",
            "feedback_numbers",
        )
    )
    statuses, causes = dict(CapaStatus.choices), dict(RootCauseCategory.choices)
    results = dict(EffectVerification.Result.choices)
    for row in rows.iterator(chunk_size=2000):
        yield {
            "number": row["number"],
            "title": row["title"],
            "lead_department": row["lead_department__name"],
            "status": str(statuses.get(row["status"], row["status"])),
            "root_cause_category": str(causes.get(row["root_cause_category"], "")),
            "root_cause_analysis": row["root_cause_analysis"],
            "submitted_at": row["submitted_at"],
            "verified_effective_at": row["verified_effective_at"],
            "round": row["round"],
            "measures_total": row["measures_total"],
            "measures_completed": row["measures_completed"],
            "completion_rate": _rate(row["measures_completed"], row["measures_total"]),
            "effectiveness": str(results.get(row["effectiveness"], "")),
            "feedbacks": row["feedback_numbers"] or "",
        }
