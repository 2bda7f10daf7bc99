"""The building blocks of the management figures: the scope, the counting rules written once, the drill-down
parameters, the tallies read for a period and scope (reports/tallies.py)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from catalog.models import ProductModel
from feedback.filters import (
    NONE,
    ClockOutcome,
    clock_outcome_q,
)
from feedback.models import Assignment, Feedback, Status
from reports import tallies
from reports.models import Tally
from reports.periods import Period
from sla.models import ClockKind, Outcome, SlaClock

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


_flushed: ContextVar[bool] = ContextVar("tallies_flushed", default=False)
overdue_cache: ContextVar[dict | None] = ContextVar("overdue_now", default=None)  # deadlines.overdue_now


def _fresh() -> None:
    """Before tallies are read: the changes queued since the last flush are counted (once per dashboard, in
    small_queries; at every call of a figure asked for alone)."""
    if not _flushed.get():
        tallies.flush()


def _tally(bucket: str, period: Period, scope: Scope) -> QuerySet:
    """The tally rows of ``bucket`` in the period and scope (reports/tallies.py; PostgreSQL)."""
    _fresh()
    models = _line_models(scope) if scope.product_line_id is not None else None
    return tallies.rows(bucket, period.start, period.end, scope.department_id, models)


def _department_tally(bucket: str, period: Period, scope: Scope, department_ids: list[int]) -> QuerySet:
    """The tally rows of ``bucket`` of each of these departments' own scope (in the scope's product line)."""
    _fresh()
    qs = Tally.objects.filter(
        bucket=bucket, department_id__in=department_ids, day__gte=period.start, day__lte=period.end
    ).order_by()
    if scope.product_line_id is not None:
        qs = qs.filter(model_id__in=_line_models(scope))
    return qs


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


@contextmanager
def small_queries():
    """The figures' queries each read a few thousand index entries: on PostgreSQL, within one transaction, no
    parallel workers (starting them costs more than the work) and index reads priced as on SSD storage (so that a
    12-month trend is read from its covering index, not by scanning the table)."""
    token = _line_models_cache.set({})
    if tallies.enabled():
        tallies.flush()  # every change committed before counts
    flushed = _flushed.set(True)
    overdue = overdue_cache.set({})
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # SET LOCAL of both, in one statement
                    cursor.execute(
                        "SELECT set_config('max_parallel_workers_per_gather', '0', true), "
                        "set_config('random_page_cost', '1.1', true)"
                    )
            yield
    finally:
        overdue_cache.reset(overdue)
        _flushed.reset(flushed)
        _line_models_cache.reset(token)
