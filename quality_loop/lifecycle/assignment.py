"""Assignment of responsible departments (step 6) and the waiting periods."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from core.errors import DomainError
from core.versioning import save_checked
from feedback.models import (
    Assignment,
    Feedback,
    Pause,
    Status,
)
from feedback.services import raise_field_errors
from feedback.workflow import feedback_save, feedback_transition, lock_feedback
from sla import services as sla

from .rules import (
    _ensure,
    assignment_problems,
    in_assigned_department,
    is_quality,
    why_not_assign,
    why_not_pause,
)


# --- assignment -----------------------------------------------------------------------------------
@transaction.atomic
def feedback_assign(
    *,
    feedback: Feedback,
    actor: User,
    expected_version: int,
    owners: dict[Department, User | None],
    lead: Department | None,
) -> list[Assignment]:
    """部门对接: one or more responsible departments, a named owner in each (a member of that department), one of
    them the lead (it writes the CAPA form). Management is copied; the CAPA-form clock starts."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    _ensure(why_not_assign(actor, locked))
    problems = assignment_problems(locked)
    if problems:
        raise DomainError(" ".join(problems))
    errors: dict[str, list[str]] = {}
    if not owners:
        errors["departments"] = [_("Choose at least one responsible department.")]
    for department, owner in owners.items():
        if not department.is_active:
            errors.setdefault("departments", []).append(
                _("%(department)s is no longer active.") % {"department": department}
            )
        if owner is None:
            errors.setdefault("owners", []).append(
                _("Name the owner in %(department)s.") % {"department": department}
            )
        elif (
            owner.department_id != department.pk
            or not owner.is_active
            or not owner.has_perm("feedback.view_department_feedback")
        ):
            errors.setdefault("owners", []).append(
                _("%(owner)s is not a member of %(department)s.") % {"owner": owner, "department": department}
            )
    if owners and (lead is None or lead not in owners):
        errors["lead"] = [_("Choose the lead department among the responsible departments.")]
    raise_field_errors(errors)
    now = timezone.now()
    assignments = []
    for department, owner in sorted(owners.items(), key=lambda item: (item[0] != lead, item[0].pk)):
        assignment = Assignment(
            feedback=locked,
            department=department,
            owner=owner,
            is_lead=department == lead,
            assigned_by=actor,
            assigned_at=now,
        )
        save_checked(assignment, actor=actor, clean_exclude=["feedback"])
        assignments.append(assignment)
    names = "、".join(str(a.department) for a in assignments)
    locked = feedback_transition(
        feedback=locked,
        to_status=Status.ASSIGNED,
        actor=actor,
        reason=_("Assigned to %(departments)s (lead: %(lead)s)") % {"departments": names, "lead": lead},
        changes={"quality_owner": locked.quality_owner or actor},
        at=now,
        notice={"assignments": assignments, "lead": lead},
    )
    return assignments


# --- waiting periods ------------------------------------------------------------------------------
@transaction.atomic
def pause_start(
    *, feedback: Feedback, actor: User, expected_version: int, reason: str, note: str = ""
) -> Pause:
    """等待客户回复 / 等待备件: the running clocks stand still until the waiting period ends."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    _ensure(why_not_pause(actor, locked))
    if reason not in Pause.Reason.values:
        raise DomainError(_("Choose what the feedback is waiting for."))
    current = Pause.objects.filter(feedback=locked, ended_at__isnull=True).first()
    if current is not None:
        raise DomainError(
            _("%(number)s is already waiting (%(reason)s since %(since)s).")
            % {
                "number": locked.number,
                "reason": current.get_reason_display(),
                "since": timezone.localtime(current.started_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    now = timezone.now()
    pause = Pause.objects.create(feedback=locked, reason=reason, note=note, started_at=now, started_by=actor)
    feedback_save(
        locked,
        actor=actor,
        reason=_("Waiting: %(reason)s") % {"reason": pause.get_reason_display()},
        changes={"waiting_reason": reason},
    )
    sla.clocks_pause(feedback=locked, at=now)
    return pause


@transaction.atomic
def pause_end(*, feedback: Feedback, actor: User, expected_version: int) -> Pause:
    locked = lock_feedback(feedback, expected_version=expected_version)
    if not (
        actor.has_perm("feedback.contact_customer")
        or is_quality(actor)
        or in_assigned_department(actor, locked)
    ):
        raise DomainError(
            _("Only customer service, quality or an assigned department ends a waiting period.")
        )
    pause = Pause.objects.select_for_update().filter(feedback=locked, ended_at__isnull=True).first()
    if pause is None:
        raise DomainError(_("%(number)s is not waiting.") % {"number": locked.number})
    now = timezone.now()
    pause.ended_at = now
    pause.ended_by = actor
    pause.save(update_fields=["ended_at", "ended_by"])
    feedback_save(
        locked,
        actor=actor,
        reason=_("Waiting ended: %(reason)s") % {"reason": pause.get_reason_display()},
        changes={"waiting_reason": ""},
    )
    sla.clocks_resume(feedback=locked, at=now)
    return pause
