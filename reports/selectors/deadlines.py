"""Deadlines and departments: SLA compliance per clock, and per department the on-time rates, working days to
the CAPA form, measure completion and delay."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Department
from corrective_actions.models import Capa, Measure
from feedback.filters import ClockOutcome, clock_outcome_q
from feedback.models import Assignment
from reports import tallies
from reports.periods import Period
from reports.tallies import Bucket
from sla.models import ClockKind, Outcome
from workcalendar.calendar import CHINA, get_calendar

from .base import (
    DEPARTMENT_CLOCKS,
    Scope,
    _clock_counts,
    _clock_dates,
    _clock_figure,
    _clocks,
    _department_tally,
    _drill,
    _feedbacks,
    _in,
    _line_models,
    _period_drill,
    _rate,
    _tally,
    overdue_cache,
)


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
    for kind, day, department_id, n in overdue_now(scope, now):
        if kind in kinds and period.start <= day <= period.end:
            cell = out.setdefault(
                (department_id if by_department else None, kind), {"met": 0, "missed": 0, "overdue": 0}
            )
            cell["overdue"] += n
    return out


def overdue_now(scope: Scope, now: dt.datetime) -> list[tuple[str, dt.date, int | None, int]]:
    """The running clocks past their deadline now, in the scope, counted per (kind, local day of the deadline,
    department: the clock's for CAPA-form and measure clocks, else None): one read of the running clocks' index
    per dashboard (small_queries keeps the rows), which sla_compliance, department_efficiency, summary and backlog
    sum as they need."""
    cache = overdue_cache.get()
    key = (scope.department_id, scope.product_line_id)
    if cache is not None and key in cache:
        return cache[key]
    department = Case(
        When(kind__in=DEPARTMENT_CLOCKS, then=_lead_department_of_clock()),
        default=None,
        output_field=IntegerField(),
    )
    rows = list(
        _clocks(scope)
        .filter(clock_outcome_q(ClockOutcome.OVERDUE, now))
        .annotate(day=TruncDate("due_at", tzinfo=CHINA), department_id=department)
        .values_list("kind", "day", "department_id")
        .annotate(n=Count("pk"))
    )
    if cache is not None:
        cache[key] = rows
    return rows


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


def _measure_sums(prefix: str, where: Q, today: dt.date) -> dict:
    """_measure_counts over the measure tallies (key open / done / done_late, day = planned date)."""
    done = Q(key__in=["done", "done_late"])
    passed = Q(day__lt=today)
    return {
        f"{prefix}total": tallies.total(where),
        f"{prefix}completed": tallies.total(where & done),
        f"{prefix}due": tallies.total(where & passed),
        f"{prefix}delayed": tallies.total(where & (Q(key="done_late") | (Q(key="open") & passed))),
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
    if tallies.enabled():
        tallied = (
            _tally(Bucket.CAPA_SUBMITTED, period, scope)
            .values_list("key2", "key", "day")
            .annotate(n=Sum("n"))
        )
        rows = [
            {
                "lead_department_id": lead or None,
                "assigned_day": dt.date.fromisoformat(assigned) if assigned else None,
                "submitted_day": day,
                "n": n,
            }
            for lead, assigned, day, n in tallied
            if n
        ]
    else:
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
    if tallies.enabled():
        measure_rows = (
            _department_tally(Bucket.MEASURE, period, scope, [d["id"] for d in departments])
            .values("department_id")
            .annotate(**_measure_sums("", Q(), today))
        )
    else:
        measure_rows = (
            _measures(scope)
            .filter(_planned_in(period), department_id__in=[d["id"] for d in departments])
            .values("department_id")
            .annotate(**_measure_counts("", Q(), today))
        )
    measures = {row["department_id"]: row for row in measure_rows}
    if tallies.enabled():
        # a department's feedback = its own scope's volume (feedback assigned to it, in the line's models)
        feedback_counts = dict(
            _department_tally(Bucket.CATEGORY, period, scope, [d["id"] for d in departments])
            .values("department_id")
            .annotate(n=Sum("n"))
            .values_list("department_id", "n")
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
