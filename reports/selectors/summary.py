"""The summary (both periods, with the change) and the whole dashboard in one dict."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Count,
    Q,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import Severity
from reports import tallies
from reports.periods import Period
from reports.tallies import Bucket
from sla.models import Outcome

from . import deadlines, outcomes, volume
from .base import (
    Scope,
    _clock_counts,
    _clock_figure,
    _clocks,
    _feedbacks,
    _fresh,
    _in,
    _line_models,
    _period_drill,
    _rate,
    small_queries,
)
from .deadlines import _capas, _measure_counts, _measure_sums, _measures, _planned_in, overdue_now
from .outcomes import (
    SATISFACTION_KEYS,
    _callbacks,
    _capa_effective_counts,
    _registration_counts,
    _registration_figure,
    _satisfaction_counts,
    _satisfaction_figure,
)


def _change(value, previous) -> str | None:
    if value is None or previous is None:
        return None
    return "up" if value > previous else "down" if value < previous else "same"


def _summary_tallied(
    periods: dict, both: Period, scope: Scope, now: dt.datetime, today: dt.date
) -> tuple[dict, dict, dict]:
    """summary's feedback, clock and callback sums for both periods from the tallies (three queries) and the
    running clocks overdue now (one), keyed as the direct aggregates."""
    models = _line_models(scope) if scope.product_line_id is not None else None
    buckets = [
        Bucket.CATEGORY,
        Bucket.SEVERITY,
        Bucket.REGISTERED,
        Bucket.CLOCK,
        Bucket.CALLBACK,
        Bucket.CAPA_EFFECTIVE,
        Bucket.MEASURE,
    ]
    _fresh()
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
        sums[f"{prefix}effective"] = tallies.total(days & Q(bucket=Bucket.CAPA_EFFECTIVE))
        sums[f"{prefix}first_time"] = tallies.total(days & Q(bucket=Bucket.CAPA_EFFECTIVE, key="first_time"))
        sums |= _measure_sums(prefix, days & Q(bucket=Bucket.MEASURE), today)
        overdue[f"{prefix}overdue"] = 0
    row = tallied.aggregate(**sums)
    for _kind, day, _department, n in overdue_now(scope, now):
        for prefix, p in periods.items():
            if p.start <= day <= p.end:
                overdue[f"{prefix}overdue"] += n
    row |= overdue
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
        f, c, s = _summary_tallied(periods, both, scope, now, today)
    else:
        f = (
            _feedbacks(None, scope)
            .filter(_in("feedback_time", both) | _in("registered_at", both))
            .aggregate(**feedback_aggregates)
        )
        c = _clocks(scope).filter(_in("due_at", both)).aggregate(**clock_aggregates)
        s = _callbacks(scope).filter(_in("closed_at", both)).aggregate(**callback_aggregates)
    if tallies.enabled():
        k = m = f  # _summary_tallied read the CAPA forms' and measures' sums too
    else:
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


FIGURE_FUNCTIONS = {
    "summary": summary,
    "volume_per_day": volume.volume_per_day,
    "volume_trend_12m": volume.volume_trend_12m,
    "category_share": volume.category_share,
    "severity_mix": volume.severity_mix,
    "channel_mix": volume.channel_mix,
    "top_faults": volume.top_faults,
    "top_models": volume.top_models,
    "department_efficiency": deadlines.department_efficiency,
    "sla_compliance": deadlines.sla_compliance,
    "satisfaction": outcomes.satisfaction,
    "satisfaction_trend_12m": outcomes.satisfaction_trend_12m,
    "capa_first_time_effectiveness": outcomes.capa_first_time_effectiveness,
    "registration_timeliness": outcomes.registration_timeliness,
    "backlog": outcomes.backlog,
}
assert tuple(FIGURE_FUNCTIONS) == FIGURES


def dashboard(period: Period, scope: Scope) -> dict:
    """Everything above in one dict (the JSON API returns exactly this)::

    {"period": {"start", "end", "label"}, "scope": {...}, "generated_at": iso,
     "summary", "volume_per_day", "volume_trend_12m", "category_share", "severity_mix", "channel_mix",
     "top_faults", "top_models", "department_efficiency", "sla_compliance", "satisfaction",
     "satisfaction_trend_12m", "capa_first_time_effectiveness", "registration_timeliness", "backlog"}
    """
    out = {"period": period.as_json(), "scope": scope.as_json(), "generated_at": timezone.now().isoformat()}
    with small_queries():
        for name, figure in FIGURE_FUNCTIONS.items():
            out[name] = figure(period, scope)
    return out
