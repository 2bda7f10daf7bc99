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

from collections.abc import Iterator
from dataclasses import dataclass

from django.http import Http404

from .periods import Period

UNCLASSIFIED = "none"  # the key of 未分类 / 未分级 items (and the drill value that lists them)
OTHERS = "other"  # the key of 其他 in the TOP 5 lists
TOP_N = 5


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
    raise NotImplementedError


def scope_for(user, product_line_id: int | None = None) -> Scope:
    """The scope ``user`` may see: quality / management → everything; a department head → their department;
    anybody else → Http404 (not found and forbidden look the same)."""
    raise NotImplementedError


def volume_per_day(period: Period, scope: Scope) -> dict:
    """Feedback in the period per local day, every day of the period (zeros included).
    ``{"total": int, "drill": dict, "days": [{"date": "YYYY-MM-DD", "count": int, "drill": dict}]}``"""
    raise NotImplementedError


def volume_trend_12m(period: Period, scope: Scope) -> dict:
    """Feedback per calendar month, the 12 months ending with the month of ``period.end``.
    ``{"months": [{"month": "YYYY-MM", "label": str, "count": int, "drill": dict}]}``"""
    raise NotImplementedError


def category_share(period: Period, scope: Scope) -> dict:
    """Feedback in the period by category; not yet classified as 未分类 (key ``none``).
    ``{"total": int, "items": [Item]}`` — the four categories in their order, then 未分类 (always present)."""
    raise NotImplementedError


def severity_mix(period: Period, scope: Scope) -> dict:
    """By severity Ⅰ/Ⅱ/Ⅲ, then 未分级 (key ``none``). ``{"total": int, "items": [Item]}``"""
    raise NotImplementedError


def channel_mix(period: Period, scope: Scope) -> dict:
    """By channel in their order (then 未填写, key ``none``, only when some). ``{"total": int, "items": [Item]}``"""
    raise NotImplementedError


def top_faults(period: Period, scope: Scope) -> dict:
    """Pareto of fault phenomena: the TOP 5 by count (ties by name), then 其他 (key ``other``, the remaining
    phenomena, only when some), then 未分类 (key ``none``, no phenomenon yet, only when some). Shares and the
    cumulative share are over all feedback in the period, so the last cumulative share is 1.0.
    ``{"total": int, "items": [ParetoItem]}`` (key of a phenomenon = its id as str)."""
    raise NotImplementedError


def top_models(period: Period, scope: Scope) -> dict:
    """As top_faults, for product models (label "name code"). ``{"total": int, "items": [ParetoItem]}``"""
    raise NotImplementedError


def sla_compliance(period: Period, scope: Scope) -> dict:
    """Per clock kind (all seven, in ClockKind order): clocks whose deadline falls in the period.
    ``{"clocks": [ClockFigure], "overall": ClockFigure-without-kind}``"""
    raise NotImplementedError


def department_efficiency(period: Period, scope: Scope) -> dict:
    """Per active department (only the scope's department when scoped)::

        {"departments": [{
            "department_id": int, "name": str,
            "clocks": [ClockFigure for capa_form (the lead department's) and measure (the measure's department)],
            "capa_forms": int, "capa_days_avg": float | None,       # working days assignment → CAPA submitted,
                                                                    # forms submitted in the period (lead dept)
            "measures_total": int, "measures_completed": int, "completion_rate": float | None,
            "measures_due": int, "measures_delayed": int, "delay_rate": float | None,
            "drill": dict,                                          # the department's feedback in the period
        }]}

    Measures: planned date in the period (withdrawn ones not counted); completed = state completed; due = planned
    date passed (before today); delayed = completed after the planned date, or still open past it."""
    raise NotImplementedError


def satisfaction(period: Period, scope: Scope) -> dict:
    """Callbacks recorded (closed) in the period: 满意 / 基本满意 / 不满意 / unreachable.
    ``{"total": int, "reached": int, "rate": float | None, "items": [Item keys satisfied, basic, unsatisfied,
    unreachable]}`` — rate = (satisfied + basic) / reached."""
    raise NotImplementedError


def satisfaction_trend_12m(period: Period, scope: Scope) -> dict:
    """Per month, the 12 months ending with the month of ``period.end``:
    ``{"months": [{"month": "YYYY-MM", "label": str, "satisfied": int, "basic": int, "unsatisfied": int,
    "unreachable": int, "total": int, "reached": int, "rate": float | None, "drill": dict}]}``"""
    raise NotImplementedError


def capa_first_time_effectiveness(period: Period, scope: Scope) -> dict:
    """CAPA forms verified effective in the period; those whose first effect verification was already 有效.
    ``{"effective": int, "first_time": int, "rate": float | None, "drill": None}``"""
    raise NotImplementedError


def registration_timeliness(period: Period, scope: Scope) -> dict:
    """Registrations completed in the period, on or before their registration deadline; team and per agent
    (who registered it). ``{"team": T, "agents": [T + {"user_id": int, "name": str}]}`` with
    ``T = {"total": int, "on_time": int, "late": int, "rate": float | None,
    "drill": {"total": dict, "on_time": dict, "late": dict}}``"""
    raise NotImplementedError


def backlog(period: Period, scope: Scope) -> dict:
    """Now (the period is ignored): open feedback by stage × severity, and running clocks overdue now by kind.
    ``{"as_of": iso datetime, "total": int, "severities": [{"key", "label"}],
    "stages": [{"status": str, "label": str, "total": int, "drill": dict,
                "cells": [{"severity": key, "count": int, "drill": dict}]}],
    "overdue": [{"kind": str, "label": str, "count": int, "drill": dict}]}``"""
    raise NotImplementedError


def summary(period: Period, scope: Scope) -> dict:
    """Totals and key rates for the period and the previous one (Period.previous()).
    ``{"period": {...}, "previous_period": {...}, "metrics": [{"key": str, "label": str, "kind": "count"|"rate",
    "value": int | float | None, "previous": int | float | None, "change": "up" | "down" | "same" | None,
    "drill": dict | None}]}``. Keys: feedback, urgent, closed, sla_rate, satisfaction_rate,
    registration_rate, capa_first_time_rate, measure_completion_rate."""
    raise NotImplementedError


def dashboard(period: Period, scope: Scope) -> dict:
    """Everything above in one dict (the JSON API returns exactly this)::

    {"period": {"start", "end", "label"}, "scope": {...}, "generated_at": iso,
     "summary", "volume_per_day", "volume_trend_12m", "category_share", "severity_mix", "channel_mix",
     "top_faults", "top_models", "department_efficiency", "sla_compliance", "satisfaction",
     "satisfaction_trend_12m", "capa_first_time_effectiveness", "registration_timeliness", "backlog"}
    """
    raise NotImplementedError


# --- the workbook's record sheets -------------------------------------------------------------------------------
# (key, column title) in the order of the 明细 sheet; feedback_rows yields dicts with these keys.
FEEDBACK_ROW_COLUMNS: list[tuple[str, str]] = []
# (key, column title) of the CAPA sheet; capa_rows yields dicts with these keys.
CAPA_ROW_COLUMNS: list[tuple[str, str]] = []


def feedback_rows(period: Period, scope: Scope) -> Iterator[dict]:
    """One dict per feedback in the period, oldest first, streamed (values(), iterator(chunk_size=2000)):
    number, feedback_time (aware datetime), registered_at, product_line, product_model, category, fault,
    severity, channel, departments ("研发部、生产部"), status (label), one "<kind>" key per clock kind with
    "met" / "missed" / "overdue" / "running" / "" (labels), satisfaction (label or "")."""
    raise NotImplementedError


def capa_rows(period: Period, scope: Scope) -> Iterator[dict]:
    """One dict per CAPA form submitted or verified in the period: number, title, lead_department, status,
    root_cause_category, root_cause_analysis, submitted_at, verified_effective_at, round, measures_total,
    measures_completed, completion_rate, effectiveness (label of the last effect verification or ""),
    feedbacks ("PF…、PF…")."""
    raise NotImplementedError


def _not_found() -> Http404:
    return Http404()
