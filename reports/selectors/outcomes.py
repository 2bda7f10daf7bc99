"""What the customer and the process got: satisfaction (and its 12-month trend), CAPA first-time
effectiveness, registration timeliness, the backlog now."""

from __future__ import annotations

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from corrective_actions.models import CapaStatus, EffectVerification
from feedback.filters import (
    NONE,
    OPEN_STATUSES,
    ClockOutcome,
    SatisfactionChoice,
    Timeliness,
    clock_outcome_q,
    satisfaction_q,
)
from feedback.models import Callback, Severity, Status
from reports import tallies
from reports.periods import Period
from reports.tallies import Bucket
from sla.models import ClockKind
from workcalendar.calendar import CHINA

from .base import (
    UNGRADED_LABEL,
    Scope,
    _clocks,
    _drill,
    _feedbacks,
    _in,
    _items,
    _month_key,
    _month_starts,
    _rate,
    _scope_q,
    _tally,
)
from .deadlines import _capas, overdue_now

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
    if tallies.enabled():
        row = _tally(Bucket.CAPA_EFFECTIVE, period, scope).aggregate(
            effective=tallies.total(), first_time=tallies.total(Q(key="first_time"))
        )
    else:
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
    names: dict = {}
    agent = User.objects.filter(pk=OuterRef("key2"))
    tallied = (
        _tally(Bucket.REGISTERED, period, scope)
        .values("key2", "key")
        .annotate(
            n=Sum("n"),
            name=Subquery(agent.values("name")[:1]),
            username=Subquery(agent.values("username")[:1]),
        )
    )
    for row in tallied:
        counts = per_agent.setdefault(row["key2"] or None, {"total": 0, "on_time": 0})
        counts["total"] += row["n"]
        if row["key"] == "on_time":
            counts["on_time"] += row["n"]
        names[row["key2"] or None] = {"name": row["name"], "username": row["username"]}
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
    if tallies.enabled():
        overdue_rows: dict = {}
        for kind, _day, _department, n in overdue_now(scope, now):
            overdue_rows[kind] = overdue_rows.get(kind, 0) + n
    else:
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
