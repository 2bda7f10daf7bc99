"""Writing the form: opening it, its root cause, and planning, editing and withdrawing measures."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from core.errors import DomainError
from core.versioning import save_checked
from feedback.models import Assignment, Feedback, Status
from feedback.numbering import next_number
from feedback.services import raise_field_errors
from feedback.workflow import feedback_save, lock_feedback

from .. import rules
from ..models import (
    Capa,
    CapaStatus,
    Measure,
    RootCauseCategory,
)
from ..selectors import capa_department_ids
from ._common import (
    CAPA_NUMBER_PREFIX,
    _capa_save,
    _ensure,
    _measure_save,
    capa_lock,
    measure_lock,
    measure_move,
)
from .execution import _after_measure_change


# --- validation of a measure's plan ---------------------------------------------------------------
def _measure_plan_check(
    *, capa: Capa, kind: str, description: str, owner: User | None, planned_date: dt.date | None
) -> None:
    """Refuse a measure's plan (new or changed) with every field's error named."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if kind not in Measure.Kind.values:
        errors["kind"] = [_("Choose short-term or long-term.")]
    if not (description or "").strip():
        errors["description"] = [_("Describe the measure.")]
    if owner is None:
        errors["owner"] = [_("Every measure needs an owner.")]
    elif not owner.is_active:
        errors["owner"] = [_("%(owner)s can no longer log in: choose an active owner.") % {"owner": owner}]
    elif owner.department_id not in capa_department_ids(capa):
        errors["owner"] = [
            _(
                "%(owner)s is not in a department responsible for this feedback: choose an owner from %(depts)s."
            )
            % {
                "owner": owner,
                "depts": "、".join(
                    str(d) for d in Department.objects.filter(pk__in=capa_department_ids(capa))
                ),
            }
        ]
    if planned_date is None:
        errors["planned_date"] = [_("Every measure needs a planned date.")]
    elif planned_date < today:
        errors["planned_date"] = [
            _("The planned date %(date)s is in the past: plan a date from today on.") % {"date": planned_date}
        ]
    raise_field_errors(errors)


# --- writing the form -----------------------------------------------------------------------------
def _title_checked(title: str) -> str:
    """A CAPA form's title, trimmed; none is refused."""
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the CAPA form a title."), field_errors={"title": [_("Required.")]})
    return title


@transaction.atomic
def capa_create(
    *,
    feedback: Feedback,
    actor: User,
    title: str,
    root_cause_category: str = "",
    root_cause_analysis: str = "",
    expected_version: int | None = None,
) -> Capa:
    """Open the CAPA form for an assigned feedback; the lead department's members write it."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    lead = Assignment.objects.select_related("department").filter(feedback=locked, is_lead=True).first()
    if lead is None or locked.status != Status.ASSIGNED:
        raise DomainError(
            _("%(number)s is “%(status)s”: a CAPA form is opened once the feedback has been assigned.")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    if locked.capa_id:
        raise DomainError(
            _("%(number)s already has a CAPA form (%(capa)s).")
            % {"number": locked.number, "capa": locked.capa}
        )
    if not rules.writes_for(actor, lead.department_id):
        raise DomainError(
            _("Only the lead department (%(department)s) writes the CAPA form.")
            % {"department": lead.department}
        )
    title = _title_checked(title)
    if root_cause_category and root_cause_category not in RootCauseCategory.values:
        raise DomainError(_("Unknown root-cause category."))
    now = timezone.now()
    capa = Capa(
        number=next_number(CAPA_NUMBER_PREFIX, now),
        title=title,
        lead_department=lead.department,
        root_cause_category=root_cause_category,
        root_cause_analysis=root_cause_analysis,
        created_by=actor,
        created_at=now,
        opened_for=locked,
    )
    save_checked(capa, actor=actor)
    feedback_save(
        locked,
        actor=actor,
        reason=_("CAPA form %(capa)s opened") % {"capa": capa.number},
        changes={"capa": capa},
    )
    return capa


@transaction.atomic
def capa_update(
    *,
    capa: Capa,
    actor: User,
    expected_version: int,
    title: str,
    root_cause_category: str,
    root_cause_analysis: str,
) -> Capa:
    locked = capa_lock(capa, expected_version=expected_version)
    _ensure(rules.why_not_write(actor, locked))
    title = _title_checked(title)
    _capa_save(
        locked,
        actor=actor,
        reason=_("Root cause updated"),
        changes={
            "title": title,
            "root_cause_category": root_cause_category,
            "root_cause_analysis": root_cause_analysis,
        },
    )
    return locked


@transaction.atomic
def measure_add(
    *,
    capa: Capa,
    actor: User,
    kind: str,
    description: str,
    owner: User | None,
    planned_date: dt.date | None,
    expected_version: int | None = None,
) -> Measure:
    """Plan a measure in the current round. Refused: no owner, an owner outside the responsible departments, a
    planned date in the past."""
    locked = capa_lock(capa, expected_version=expected_version)
    _ensure(rules.why_not_write(actor, locked))
    _measure_plan_check(
        capa=locked, kind=kind, description=description, owner=owner, planned_date=planned_date
    )
    measure = Measure(
        capa=locked,
        kind=kind,
        description=description.strip(),
        owner=owner,
        department_id=owner.department_id,
        planned_date=planned_date,
        round=locked.round,
        created_by=actor,
    )
    save_checked(measure, actor=actor)
    _capa_save(locked, actor=actor, reason=_("Measure planned: %(m)s") % {"m": measure}, update_fields=[])
    return measure


@transaction.atomic
def measure_edit(
    *,
    measure: Measure,
    actor: User,
    expected_version: int,
    kind: str,
    description: str,
    owner: User | None,
    planned_date: dt.date | None,
) -> Measure:
    locked = measure_lock(measure, expected_version=expected_version)
    capa = locked.capa
    _ensure(rules.why_not_edit_measure(actor, locked))
    _measure_plan_check(capa=capa, kind=kind, description=description, owner=owner, planned_date=planned_date)
    _measure_save(
        locked,
        actor=actor,
        reason=_("Plan changed"),
        changes={
            "kind": kind,
            "description": description.strip(),
            "owner": owner,
            "department_id": owner.department_id,
            "planned_date": planned_date,
        },
    )
    _capa_save(capa, actor=actor, reason=_("Measure changed: %(m)s") % {"m": locked}, update_fields=[])
    return locked


@transaction.atomic
def measure_withdraw(
    *, measure: Measure, actor: User, reason: str, expected_version: int | None = None
) -> Measure:
    """Withdraw a measure with a reason: it stays on the form, marked withdrawn, and no longer counts."""
    locked = measure_lock(measure, expected_version=expected_version)
    capa = locked.capa
    _ensure(rules.why_not_withdraw_measure(actor, locked))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Say why the measure is withdrawn."),
            field_errors={"reason": [_("Say why the measure is withdrawn.")]},
        )
    now = timezone.now()
    measure_move(
        locked,
        to_state=Measure.State.WITHDRAWN,
        actor=actor,
        reason=_("Withdrawn: %(reason)s") % {"reason": reason},
        at=now,
        changes={"withdrawn_reason": reason, "withdrawn_at": now, "withdrawn_by": actor},
    )
    _capa_save(capa, actor=actor, reason=_("Measure withdrawn: %(m)s") % {"m": locked}, update_fields=[])
    if capa.status == CapaStatus.IN_PROGRESS:
        _after_measure_change(capa, actor=actor, at=now)
    return locked
