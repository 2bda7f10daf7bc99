"""Who may take which step of the quality loop on a feedback, and when: each ``why_not_*`` returns the reason
(None: allowed)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import refuse_if
from feedback.models import (
    Category,
    CloseReason,
    Feedback,
    Severity,
    Status,
)
from feedback.selectors import verification_of
from feedback.workflow import CLOSE_FROM

VERIFY_STATUSES = frozenset({Status.REGISTERED, Status.VERIFIED})
CLASSIFY_STATUSES = frozenset({Status.REGISTERED, Status.VERIFIED, Status.ASSIGNED, Status.IN_PROGRESS})
PAUSE_STATUSES = frozenset(
    {Status.REGISTERED, Status.VERIFIED, Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING_CLOSE}
)


# --- rules ----------------------------------------------------------------------------------------
def is_quality(user: User) -> bool:
    return user.has_perm("feedback.verify_feedback")


def in_assigned_department(user: User, feedback: Feedback) -> bool:
    return (
        bool(user.department_id)
        and user.has_perm("feedback.view_department_feedback")
        and any(a.department_id == user.department_id for a in feedback.assignments.all())
    )


def _status_label(feedback: Feedback) -> str:
    return str(feedback.get_status_display())


_ensure = refuse_if


def why_not_verify(user: User, feedback: Feedback) -> str | None:
    if not is_quality(user):
        return _("Only a quality engineer records the verification.")
    if feedback.status not in VERIFY_STATUSES:
        return _(
            "%(number)s is “%(status)s”: the verification is recorded before the feedback is assigned."
        ) % {
            "number": feedback.number,
            "status": _status_label(feedback),
        }
    return None


def why_not_classify(user: User, feedback: Feedback) -> str | None:
    if not is_quality(user):
        return _("Only a quality engineer classifies and grades a feedback.")
    if feedback.status not in CLASSIFY_STATUSES:
        return _("%(number)s is “%(status)s”: it can no longer be classified or graded.") % {
            "number": feedback.number,
            "status": _status_label(feedback),
        }
    return None


def why_not_emergency(user: User, feedback: Feedback) -> str | None:
    if feedback.severity != Severity.URGENT:
        return _("Only a level Ⅲ feedback has an emergency response.")
    if feedback.emergency_started_at:
        return _("The emergency response was already recorded.")
    if feedback.status in (Status.CLOSED, Status.VOIDED, Status.DRAFT):
        return _("%(number)s is “%(status)s”.") % {
            "number": feedback.number,
            "status": _status_label(feedback),
        }
    if not (is_quality(user) or in_assigned_department(user, feedback)):
        return _("Only quality or an assigned department records the emergency response.")
    return None


def classification_missing(feedback: Feedback) -> list[str]:
    """What of classifying and grading is still to do, in order: ``category``, ``fault_phenomenon`` (not for a
    service complaint), ``severity``."""
    missing = []
    if not feedback.category:
        missing.append("category")
    elif feedback.category != Category.SERVICE and not feedback.fault_phenomenon_id:
        missing.append("fault_phenomenon")
    if not feedback.severity:
        missing.append("severity")
    return missing


def assignment_problems(feedback: Feedback) -> list[str]:
    """What must be done before a feedback can be assigned, each named."""
    first = {
        "category": _("Classify the feedback first."),
        "fault_phenomenon": _("Choose the fault phenomenon first."),
        "severity": _("Grade the feedback first."),
    }
    problems = [_("Record the verification first.")] if verification_of(feedback) is None else []
    return problems + [first[step] for step in classification_missing(feedback)]


def why_not_assign(user: User, feedback: Feedback) -> str | None:
    if not is_quality(user):
        return _("Only a quality engineer assigns departments.")
    if feedback.status != Status.VERIFIED:
        return _("%(number)s is “%(status)s”: departments are assigned once it is verified.") % {
            "number": feedback.number,
            "status": _status_label(feedback),
        }
    return None


def why_not_pause(user: User, feedback: Feedback) -> str | None:
    if not (
        user.has_perm("feedback.contact_customer")
        or is_quality(user)
        or in_assigned_department(user, feedback)
    ):
        return _("Only customer service, quality or an assigned department records a waiting period.")
    if feedback.status not in PAUSE_STATUSES:
        return _("%(number)s is “%(status)s”: nothing runs that could wait.") % {
            "number": feedback.number,
            "status": _status_label(feedback),
        }
    return None


def why_not_close(user: User, feedback: Feedback, reason: str) -> str | None:
    if not user.has_perm("feedback.close_feedback"):
        return _("Only a quality engineer closes a feedback.")
    if feedback.status not in CLOSE_FROM[reason]:
        return _("%(number)s is “%(status)s”: it cannot be closed as “%(reason)s” now.") % {
            "number": feedback.number,
            "status": _status_label(feedback),
            "reason": CloseReason(reason).label,
        }
    return None
