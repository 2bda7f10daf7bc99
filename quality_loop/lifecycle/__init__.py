"""The quality loop on a feedback (DOMAIN.md steps 3–11): verification, classification, grading, the emergency
response, assignment, waiting periods and the three ways to close. The CAPA form itself is corrective_actions';
the customer contacts and the satisfaction callback are quality_loop.contacts'.

Each action is one function: ``@transaction.atomic``, keyword-only, taking the acting user and the version of the
record the user's form was opened on (a stale form is refused, not applied). It checks the actor's role and
department, changes the status only through ``feedback.workflow.feedback_transition``, writes the history line,
starts and stops the SLA clocks and sends the notices. A rule the user breaks raises DomainError naming it.

Who does what (the roles of DOMAIN.md):
- quality engineer (``feedback.verify_feedback``): verify, classify, grade, assign, link to a CAPA form; with
  ``feedback.close_feedback``: close;
- quality engineer or a member of an assigned department: record that the emergency response has started;
- customer service, quality or an assigned department: open and end a waiting period.
"""

from .assignment import feedback_assign, pause_end, pause_start
from .closing import (
    close_resolved_problems,
    feedback_close_duplicate,
    feedback_close_not_confirmed,
    feedback_close_resolved,
    feedbacks_capa_accepted,
    feedbacks_capa_effective,
    not_confirmed_problems,
    steps_missing_before_capa,
)
from .rules import (
    CLASSIFY_STATUSES,
    PAUSE_STATUSES,
    VERIFY_STATUSES,
    assignment_problems,
    in_assigned_department,
    is_quality,
    why_not_assign,
    why_not_classify,
    why_not_close,
    why_not_emergency,
    why_not_pause,
    why_not_verify,
)
from .verification import feedback_classify, feedback_emergency_started, feedback_grade, feedback_verify

__all__ = [
    "CLASSIFY_STATUSES",
    "PAUSE_STATUSES",
    "VERIFY_STATUSES",
    "assignment_problems",
    "close_resolved_problems",
    "feedback_assign",
    "feedback_classify",
    "feedback_close_duplicate",
    "feedback_close_not_confirmed",
    "feedback_close_resolved",
    "feedback_emergency_started",
    "feedback_grade",
    "feedback_verify",
    "feedbacks_capa_accepted",
    "feedbacks_capa_effective",
    "in_assigned_department",
    "is_quality",
    "not_confirmed_problems",
    "pause_end",
    "pause_start",
    "steps_missing_before_capa",
    "why_not_assign",
    "why_not_classify",
    "why_not_close",
    "why_not_emergency",
    "why_not_pause",
    "why_not_verify",
]
