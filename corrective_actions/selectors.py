"""Reads for CAPA forms and measures.

``capa_visible_to`` is the one place that decides which CAPA forms a user sees (consistent with
``feedback.selectors.feedback_visible_to``); what is not in it answers 404.

The measure rates (措施完成率, 节点延迟率) are computed here, in the database, once for everyone: the CAPA pages,
the workspace dashboard and the monthly report call the same functions.

- measure completion rate = completed ÷ all measures that are not withdrawn;
- milestone delay rate = (completed after the planned date + still open past the planned date) ÷ measures
  (not withdrawn) whose planned date has passed. A measure is due at the end of its planned date, so its planned
  date "has passed" from the next day on (``planned_date < today``).
Both are ``None`` when their denominator is 0 (nothing to rate), never a division by zero.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from feedback.models import Assignment, Feedback

from . import kept_counts
from .models import Capa, CapaStatus, CapaStatusCount, Measure, MeasureDay

OPEN_CAPA_STATUSES = (
    CapaStatus.DRAFT,
    CapaStatus.SUBMITTED,
    CapaStatus.RETURNED,
    CapaStatus.IN_PROGRESS,
    CapaStatus.PENDING_VERIFICATION,
)
OPEN_MEASURE_STATES = (Measure.State.PLANNED, Measure.State.IN_PROGRESS)


# --- visibility -----------------------------------------------------------------------------------
class _ExistsPerRow(Exists):
    """EXISTS evaluated for each row it is asked about: OFFSET 0 keeps PostgreSQL from turning it into one hashed
    set of every answer, which is what a page that reads only the newest forms does not want."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def capa_visible_to(user: User, *, newest_only: bool = False) -> QuerySet[Capa]:
    """Quality engineers, management and administrators (everyone who sees every feedback and may view CAPA forms)
    see every CAPA form; department members and heads see the forms their department leads or that resolve a
    feedback assigned to their department; everybody else sees none.

    ``newest_only``: the same forms, for a read that walks the newest forms and stops at a few hundred (the list
    page): each form's department link is then probed on its own (two index look-ups) instead of hashing every
    form's (the department head's list at 1,000,000 feedbacks: 143 → 6 ms of query)."""
    qs = Capa.objects.select_related("lead_department", "created_by", "opened_for")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    if not user.has_perm("corrective_actions.view_capa"):
        return qs.none()
    if user.has_perm("feedback.view_all_feedback"):
        return qs
    if not (user.department_id and user.has_perm("feedback.view_department_feedback")):
        return qs.none()
    if newest_only:
        linked = Assignment.objects.filter(department_id=user.department_id, feedback__capa_id=OuterRef("pk"))
        return qs.filter(Q(lead_department_id=user.department_id) | _ExistsPerRow(linked))
    # the forms of the feedbacks assigned to the department, as a set (PostgreSQL hashes it once) rather than a
    # sub-select per form, for reads of all of them (counts, the API's pages)
    resolving = Feedback.objects.filter(
        capa__isnull=False, assignments__department_id=user.department_id
    ).values("capa_id")
    return qs.filter(Q(lead_department_id=user.department_id) | Q(pk__in=resolving))


def capa_get_visible(user: User, number: str) -> Capa:
    return get_object_or_404(capa_visible_to(user), number=number)


def capa_department_ids(capa: Capa) -> set[int]:
    """The lead department and every department assigned to a feedback this CAPA resolves."""
    ids = set(Assignment.objects.filter(feedback__capa=capa).values_list("department_id", flat=True))
    ids.add(capa.lead_department_id)
    return ids


def capa_measures(capa: Capa) -> QuerySet[Measure]:
    """Every measure of every round, withdrawn ones included (they stay visible as withdrawn)."""
    return capa.measures.select_related("owner", "department", "withdrawn_by").prefetch_related("attachments")


def capa_list(user: User, *, status: str = "", department_id: int | None = None) -> QuerySet[Capa]:
    qs = capa_visible_to(user).annotate(feedback_count=Count("feedbacks", distinct=True))
    if status:
        qs = qs.filter(status=status)
    if department_id:
        qs = qs.filter(lead_department_id=department_id)
    return qs


LIST_ROW_FIELDS = (
    "number",
    "title",
    "status",
    "round",
    "created_at",
    "created_by",
    "lead_department__name",
    "lead_department__code",
)


def capa_list_page(
    user: User, *, status: str = "", department_id: int | None = None, limit: int = 200
) -> QuerySet[Capa]:
    """The list page: the newest ``limit`` forms of ``capa_list``, each with its feedback count and measure rates.

    The forms are picked first (a sub-select ordered by creation, limited), and only they are joined to their
    feedbacks and measures: grouping every form's joined rows to keep 200 of them cost 0.5-1.3 s at 30,000 forms
    (issue 10), and its cost estimate alone made PostgreSQL compile the query (JIT) when there was no form at all."""
    newest = capa_list_ordered(
        capa_visible_to(user, newest_only=True), status=status, department_id=department_id
    )
    # only what a row shows: building 200 creators and opened-for feedbacks cost more than the query
    picked = (
        Capa.objects.select_related("lead_department")
        .only(*LIST_ROW_FIELDS)
        .filter(pk__in=newest.values("pk")[:limit])
    )
    return measure_rates_by_capa(picked.annotate(feedback_count=Count("feedbacks", distinct=True))).order_by(
        "-created_at", "-id"
    )


def capa_list_ordered(
    qs: QuerySet[Capa], *, status: str = "", department_id: int | None = None
) -> QuerySet[Capa]:
    if status:
        qs = qs.filter(status=status)
    if department_id:
        qs = qs.filter(lead_department_id=department_id)
    return qs.order_by("-created_at", "-id")


# --- the measure rates ----------------------------------------------------------------------------
def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def rate_counts(today: dt.date | None = None, prefix: str = "") -> dict:
    """The aggregate expressions behind both rates, for ``.aggregate()`` or ``.values(...).annotate()``.
    ``prefix`` is the path from the queried model to Measure (``"measures__"`` from Capa)."""
    today = _today(today)
    p = prefix
    live = ~Q(**{f"{p}state": Measure.State.WITHDRAWN}) & Q(**{f"{p}id__isnull": False})
    completed = live & Q(**{f"{p}state": Measure.State.COMPLETED})
    passed = live & Q(**{f"{p}planned_date__lt": today})
    return {
        "measures_total": Count(f"{p}id", filter=live, distinct=bool(p)),
        "measures_completed": Count(f"{p}id", filter=completed, distinct=bool(p)),
        "measures_due": Count(f"{p}id", filter=passed, distinct=bool(p)),
        "measures_completed_late": Count(
            f"{p}id",
            filter=passed & completed & Q(**{f"{p}completed_date__gt": F(f"{p}planned_date")}),
            distinct=bool(p),
        ),
        "measures_open_overdue": Count(
            f"{p}id", filter=passed & ~Q(**{f"{p}state": Measure.State.COMPLETED}), distinct=bool(p)
        ),
    }


def _ratio(numerator, denominator):
    return Cast(numerator, FloatField()) / NullIf(Cast(denominator, FloatField()), Value(0.0))


def rate_expressions() -> dict:
    """The two rates over the counts of ``rate_counts`` (annotate them after the counts)."""
    return {
        "completion_rate": _ratio(F("measures_completed"), F("measures_total")),
        "delay_rate": _ratio(F("measures_completed_late") + F("measures_open_overdue"), F("measures_due")),
    }


def _with_rates(row: dict) -> dict:
    total, due = row["measures_total"], row["measures_due"]
    row["completion_rate"] = row["measures_completed"] / total if total else None
    row["delay_rate"] = (row["measures_completed_late"] + row["measures_open_overdue"]) / due if due else None
    return row


def measure_rates(measures: QuerySet[Measure] | None = None, *, today: dt.date | None = None) -> dict:
    """Both rates over ``measures`` (all measures by default), with the counts behind them."""
    qs = Measure.objects.all() if measures is None else measures
    return _with_rates(qs.aggregate(**rate_counts(today)))


def measure_rates_by_capa(
    capas: QuerySet[Capa] | None = None, *, today: dt.date | None = None
) -> QuerySet[Capa]:
    """``capas`` annotated with the counts and both rates (``completion_rate``, ``delay_rate``)."""
    qs = Capa.objects.all() if capas is None else capas
    return qs.annotate(**rate_counts(today, prefix="measures__")).annotate(**rate_expressions())


def measure_rates_by_department(
    measures: QuerySet[Measure] | None = None, *, today: dt.date | None = None
) -> list[dict]:
    """One row per department (the measure owner's department when the measure was planned), by name:
    ``department_id``, ``department_name``, the counts and both rates. Filter ``measures`` first for a period
    (e.g. ``Measure.objects.filter(planned_date__range=...)``). Over all measures on PostgreSQL, from the kept
    per-day counts (``kept_counts``): a few thousand rows instead of every measure."""
    if measures is None and kept_counts.kept():
        return _rates_by_department_kept(_today(today))
    qs = Measure.objects.all() if measures is None else measures
    return list(
        qs.filter(department__isnull=False)
        .values("department_id", department_name=F("department__name"))
        .annotate(**rate_counts(today))
        .annotate(**rate_expressions())
        .order_by("department_name")
    )


def _rates_by_department_kept(today: dt.date) -> list[dict]:
    passed = Q(planned_date__lt=today)
    rows = (
        MeasureDay.objects.values("department_id", department_name=F("department__name"))
        .annotate(
            measures=Sum("measures"),
            measures_total=Sum("live"),
            measures_completed=Sum("completed"),
            measures_due=Coalesce(Sum("live", filter=passed), 0),
            measures_completed_late=Coalesce(Sum("completed_late", filter=passed), 0),
            measures_open_overdue=Coalesce(Sum(F("live") - F("completed"), filter=passed), 0),
        )
        .filter(measures__gt=0)
        .order_by("department_name")
    )
    out = []
    for row in rows:
        del row["measures"]
        out.append(_with_rates(row))
    return out


def rates_of(measures, *, today: dt.date | None = None) -> dict:
    """``measure_rates`` over measures already loaded (a CAPA form's prefetched measures): the same counts and
    rates, counted in Python instead of one more query."""
    today = _today(today)
    live = [m for m in measures if m.state != Measure.State.WITHDRAWN]
    passed = [m for m in live if m.planned_date < today]
    done = Measure.State.COMPLETED
    return _with_rates(
        {
            "measures_total": len(live),
            "measures_completed": sum(m.state == done for m in live),
            "measures_due": len(passed),
            "measures_completed_late": sum(
                m.state == done and m.completed_date is not None and m.completed_date > m.planned_date
                for m in passed
            ),
            "measures_open_overdue": sum(m.state != done for m in passed),
        }
    )


def capa_rates(capa: Capa, *, today: dt.date | None = None) -> dict:
    return measure_rates(Measure.objects.filter(capa=capa), today=today)


# --- worklists (the workspace) --------------------------------------------------------------------
def capas_to_write(user: User) -> QuerySet[Capa]:
    """Forms the user's department leads that are being written or came back for rework."""
    if not user.department_id:
        return Capa.objects.none()
    return capa_visible_to(user).filter(
        lead_department_id=user.department_id, status__in=(CapaStatus.DRAFT, CapaStatus.RETURNED)
    )


def capas_to_review(user: User) -> QuerySet[Capa]:
    """Submitted forms awaiting quality's review, of those ``user`` may see."""
    return capa_visible_to(user).filter(status=CapaStatus.SUBMITTED)


def capas_to_verify(user: User) -> QuerySet[Capa]:
    """Forms whose measures are all implemented, awaiting the effect verification, of those ``user`` may see."""
    return capa_visible_to(user).filter(status=CapaStatus.PENDING_VERIFICATION)


def measures_of(user: User) -> QuerySet[Measure]:
    """The user's open measures on forms that are being executed (oldest planned date first)."""
    return (
        Measure.objects.select_related("capa", "capa__lead_department")
        .filter(owner=user, state__in=OPEN_MEASURE_STATES, capa__status=CapaStatus.IN_PROGRESS)
        .order_by("planned_date", "id")
    )


def capa_overview_counts() -> dict:
    """CAPA forms per status (management dashboard): the kept counts on PostgreSQL (``kept_counts``), a count of
    the forms elsewhere."""
    if kept_counts.kept():
        return {row.status: row.forms for row in CapaStatusCount.objects.filter(forms__gt=0)}
    rows = Capa.objects.values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}
