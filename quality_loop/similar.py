"""The one-click actions of the similar-feedback panel: mark this feedback a duplicate of an earlier one (the
closing path of quality_loop.lifecycle), or put it under the open CAPA form that covers an earlier one
(corrective_actions.services.capa_link_feedback; a verified feedback is first assigned to that form's lead
department, with the owner the form's own feedback has there). Each ``why_not_*`` says why a button is off."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import users_with_role
from core.errors import refuse_if
from corrective_actions.services import capa_link_feedback
from feedback.models import Assignment, CloseReason, Feedback, Status

from . import lifecycle


def duplicate_note(original_number: str) -> str:
    return _("Same problem as %(number)s (similar-feedback hint).") % {"number": original_number}


def why_not_mark_duplicate(user: User, feedback: Feedback) -> str | None:
    reason = lifecycle.why_not_close(user, feedback, CloseReason.DUPLICATE)
    if reason:
        return reason
    if feedback.capa_id:
        return _("%(number)s is covered by a CAPA form: it is not closed as a duplicate.") % {
            "number": feedback.number
        }
    return None


def feedback_mark_duplicate(
    *, feedback: Feedback, actor: User, expected_version: int, original_number: str
) -> Feedback:
    return lifecycle.feedback_close_duplicate(
        feedback=feedback,
        actor=actor,
        expected_version=expected_version,
        original_number=original_number,
        note=duplicate_note(original_number),
    )


def _lead_owner(capa) -> User | None:
    """Who owns the CAPA form's lead department's part: the owner it has on the form's own feedback, else the
    department's head, else a member."""
    assignment = (
        Assignment.objects.filter(feedback_id=capa.opened_for_id, department_id=capa.lead_department_id)
        .select_related("owner")
        .first()
    )
    if (
        assignment
        and assignment.owner.is_active
        and assignment.owner.department_id == capa.lead_department_id
    ):
        return assignment.owner
    for role in (Role.DEPT_HEAD, Role.DEPT_MEMBER):
        person = users_with_role(role, department_id=capa.lead_department_id).order_by("id").first()
        if person is not None:
            return person
    return None


def why_not_join_capa(user: User, feedback: Feedback, capa) -> str | None:
    if not lifecycle.is_quality(user):
        return _("Only a quality engineer links feedback to a CAPA form.")
    if feedback.capa_id:
        return _("%(number)s is already covered by %(capa)s.") % {
            "number": feedback.number,
            "capa": feedback.capa,
        }
    if feedback.status == Status.REGISTERED:
        return _(
            "Record the verification, classify and grade %(number)s first; then it can join %(capa)s."
        ) % {
            "number": feedback.number,
            "capa": capa.number,
        }
    if feedback.status == Status.VERIFIED:
        problems = lifecycle.assignment_problems(feedback)
        if problems:
            return " ".join(problems)
        if _lead_owner(capa) is None:
            return _("%(department)s has nobody who could own it.") % {"department": capa.lead_department}
        return None
    if feedback.status == Status.ASSIGNED:
        if not any(a.department_id == capa.lead_department_id for a in feedback.assignments.all()):
            return _(
                "Assign %(number)s to %(department)s first: the lead department of %(capa)s must be responsible for it."
            ) % {
                "number": feedback.number,
                "department": capa.lead_department,
                "capa": capa.number,
            }
        return None
    return _("%(number)s is “%(status)s”: it can no longer join a CAPA form.") % {
        "number": feedback.number,
        "status": feedback.get_status_display(),
    }


@transaction.atomic
def feedback_join_capa(*, feedback: Feedback, capa, actor: User, expected_version: int) -> Feedback:
    """Put ``feedback`` under ``capa`` in one step (assigning it to the form's lead department when it is only
    verified). Raises DomainError with the reason when it cannot."""

    refuse_if(why_not_join_capa(actor, feedback, capa))
    if feedback.status == Status.VERIFIED:
        lifecycle.feedback_assign(
            feedback=feedback,
            actor=actor,
            expected_version=expected_version,
            owners={capa.lead_department: _lead_owner(capa)},
            lead=capa.lead_department,
        )
        expected_version = None
    return capa_link_feedback(capa=capa, feedback=feedback, actor=actor, expected_version=expected_version)
