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
  product line scope = feedback whose product model is of that line."""

from .base import (
    DEPARTMENT_CLOCKS,
    NO_CHANNEL_LABEL,
    NOT_COUNTED,
    OTHERS,
    OTHERS_LABEL,
    TOP_N,
    UNCLASSIFIED,
    UNCLASSIFIED_LABEL,
    UNGRADED_LABEL,
    Scope,
    can_see_dashboard,
    scope_for,
    small_queries,
)
from .deadlines import department_efficiency, sla_compliance
from .outcomes import (
    SATISFACTION_KEYS,
    backlog,
    capa_first_time_effectiveness,
    registration_timeliness,
    satisfaction,
    satisfaction_trend_12m,
)
from .rows import CAPA_ROW_COLUMNS, CLOCK_STATE_LABELS, FEEDBACK_ROW_COLUMNS, capa_rows, feedback_rows
from .summary import FIGURES, dashboard, summary
from .volume import (
    category_share,
    channel_mix,
    severity_mix,
    top_faults,
    top_models,
    volume_per_day,
    volume_trend_12m,
)

__all__ = [
    "CAPA_ROW_COLUMNS",
    "CLOCK_STATE_LABELS",
    "DEPARTMENT_CLOCKS",
    "FEEDBACK_ROW_COLUMNS",
    "FIGURES",
    "NOT_COUNTED",
    "NO_CHANNEL_LABEL",
    "OTHERS",
    "OTHERS_LABEL",
    "SATISFACTION_KEYS",
    "TOP_N",
    "UNCLASSIFIED",
    "UNCLASSIFIED_LABEL",
    "UNGRADED_LABEL",
    "Scope",
    "backlog",
    "can_see_dashboard",
    "capa_first_time_effectiveness",
    "capa_rows",
    "category_share",
    "channel_mix",
    "dashboard",
    "department_efficiency",
    "feedback_rows",
    "registration_timeliness",
    "satisfaction",
    "satisfaction_trend_12m",
    "scope_for",
    "severity_mix",
    "sla_compliance",
    "small_queries",
    "summary",
    "top_faults",
    "top_models",
    "volume_per_day",
    "volume_trend_12m",
]
