"""The workbook's record sheets: one row per feedback / CAPA form of the period, streamed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corrective_actions.models import CapaStatus, EffectVerification, Measure, RootCauseCategory
from feedback.filters import (
    ClockOutcome,
    SatisfactionChoice,
    clock_outcome_q,
)
from feedback.models import Assignment, Callback, Category, Channel, Feedback, Severity, Status
from reports.periods import Period
from sla.models import ClockKind, Outcome, SlaClock

from .base import UNCLASSIFIED_LABEL, Scope, _feedbacks, _in, _rate
from .deadlines import _capas
from .outcomes import SATISFACTION_KEYS


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
