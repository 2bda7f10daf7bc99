"""What a user may do now on a feedback: each action of the quality loop's panel and pages, its title, and the
rule that says why not (None: offered). The action pages (views_lifecycle) and the panel (selectors.panel_state)
both ask here, so a button is shown exactly when its page would accept the form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from corrective_actions.rules import why_not_link
from feedback.models import CloseReason, Feedback, Status
from feedback.selectors import open_pause

from . import contacts, lifecycle


@dataclass(frozen=True)
class Offer:
    title: object  # lazy string
    why_not: Callable[[object, Feedback], str | None]


# --- who may, now, where a step combines several rules ------------------------------------------------------------------------------------------------
def may_not_assign(user, feedback):
    reason = lifecycle.why_not_assign(user, feedback)
    if reason:
        return reason
    problems = lifecycle.assignment_problems(feedback)
    return " ".join(problems) or None


def may_not_capa_link(user, feedback):
    if feedback.status != Status.ASSIGNED or feedback.capa_id:
        return _("Only an assigned feedback that awaits its CAPA form can be linked to one.")
    return why_not_link(user, feedback)


def may_not_pause_end(user, feedback):
    reason = lifecycle.why_not_pause(user, feedback)
    if reason:
        return reason
    if open_pause(feedback) is None:
        return _("%(number)s is not waiting.") % {"number": feedback.number}
    return None


def may_not_pause_start(user, feedback):
    reason = lifecycle.why_not_pause(user, feedback)
    if reason:
        return reason
    if open_pause(feedback) is not None:
        return _("%(number)s is already waiting.") % {"number": feedback.number}
    return None


def may_not_unreachable(user, feedback):
    reason = contacts.why_not_callback_attempt(user, feedback)
    if reason:
        return reason
    problems = contacts.unreachable_problems(feedback.callback)
    return " ".join(problems) or None


def _closing(reason):
    return lambda user, feedback: lifecycle.why_not_close(user, feedback, reason)


def may_not_close_resolved(user, feedback):
    reason = lifecycle.why_not_close(user, feedback, CloseReason.RESOLVED)
    if reason and not user.has_perm("feedback.close_feedback"):
        return reason
    problems = lifecycle.close_resolved_problems(feedback)
    return " ".join(problems) or reason


OFFERS: dict[str, Offer] = {
    "verify": Offer(gettext_lazy("Record the verification"), lifecycle.why_not_verify),
    "classify": Offer(gettext_lazy("Classify and grade"), lifecycle.why_not_classify),
    "emergency_response": Offer(gettext_lazy("Start the emergency response"), lifecycle.why_not_emergency),
    "assign": Offer(gettext_lazy("Assign departments"), may_not_assign),
    "capa_link": Offer(gettext_lazy("Link to an existing CAPA form"), may_not_capa_link),
    "pause_start": Offer(gettext_lazy("Start a waiting period"), may_not_pause_start),
    "pause_end": Offer(gettext_lazy("End the waiting period"), may_not_pause_end),
    "contact_add": Offer(gettext_lazy("Log a contact with the customer"), contacts.why_not_contact),
    "callback_attempt": Offer(gettext_lazy("Satisfaction callback"), contacts.why_not_callback_attempt),
    "callback_unreachable": Offer(
        gettext_lazy("Close the callback: customer unreachable"), may_not_unreachable
    ),
    "close_not_confirmed": Offer(gettext_lazy("Close: not confirmed"), _closing(CloseReason.NOT_CONFIRMED)),
    "close_duplicate": Offer(gettext_lazy("Close: duplicate"), _closing(CloseReason.DUPLICATE)),
    "close_resolved": Offer(gettext_lazy("Close as resolved"), may_not_close_resolved),
}
