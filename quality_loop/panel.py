"""The loop panel of a feedback's detail page, as a selector: what it shows and which steps the user may take
now (the buttons are the offers of quality_loop/offers.py that are open to the user)."""

from __future__ import annotations

from django.urls import reverse

from corrective_actions import rules
from corrective_actions.selectors import capa_rates, capa_visible_to, rates_of
from feedback.models import Feedback, Verification
from feedback.selectors import callback_of, verification_of

from .lifecycle import close_resolved_problems
from .offers import OFFERS

# The panel's buttons, in the order a person meets them in the lifecycle: (action, icon, Bootstrap style).
BUTTONS = (
    ("verify", "bi-clipboard-check", "primary"),
    ("classify", "bi-tags", "primary"),
    ("emergency_response", "bi-exclamation-octagon", "danger"),
    ("assign", "bi-diagram-3", "primary"),
    ("capa_link", "bi-link-45deg", "outline-primary"),
    ("contact_add", "bi-telephone", "outline-primary"),
    ("callback_attempt", "bi-telephone-forward", "success"),
    ("callback_unreachable", "bi-telephone-x", "outline-secondary"),
    ("pause_start", "bi-pause-circle", "outline-secondary"),
    ("pause_end", "bi-play-circle", "outline-success"),
    ("close_resolved", "bi-check2-circle", "success"),
    ("close_not_confirmed", "bi-x-circle", "outline-danger"),
    ("close_duplicate", "bi-files", "outline-danger"),
)


def _duplicates(feedback) -> list:
    """The feedbacks closed as duplicates of this one (number and link only)."""
    numbers = getattr(feedback, "duplicate_numbers", None)
    if numbers is None:  # a record not read with feedback_get_for_detail
        return list(feedback.duplicates.only("number"))
    return [Feedback(number=number) for number in numbers]


def _capa_visible(feedback, user) -> bool:
    if feedback.capa_id is None:
        return False
    visible = getattr(feedback, "capa_visible", None)
    if visible is None:  # a record not read with feedback_get_for_detail
        return capa_visible_to(user).filter(pk=feedback.capa_id).exists()
    return visible


def panel_state(feedback, user) -> dict:
    """Everything the panel shows for ``feedback`` and what ``user`` may do on it now. A feedback read with
    ``feedback_get_for_detail`` brings its relations along: a few queries in all, the same
    for every action asked about and for any number of contacts, attempts or measures."""

    verification = verification_of(feedback)
    callback = callback_of(feedback)
    buttons = []
    for name, icon, style in BUTTONS:
        if OFFERS[name].why_not(user, feedback) is None:
            if name == "classify" and feedback.severity:
                style = "outline-primary"  # done once; still offered to correct or escalate
            buttons.append(
                {
                    "name": name,
                    "label": OFFERS[name].title,
                    "icon": icon,
                    "style": style,
                    "url": reverse(f"feedback:{name}", kwargs={"number": feedback.number}),
                }
            )
    capa = feedback.capa
    state = {
        "buttons": buttons,
        "can_create_capa": rules.can_create(user, feedback),
        "verification": verification,
        "verification_methods": [
            Verification.Method(m).label for m in (verification.methods if verification else [])
        ],
        "assignments": feedback.assignments.all(),
        "pauses": feedback.pauses.all(),
        "contacts": feedback.communications.all(),
        "callback": callback,
        "attempts": callback.attempts.all() if callback else [],
        "duplicates": _duplicates(feedback),
        "capa": capa,
        "capa_visible": _capa_visible(feedback, user),
        "close_problems": [],
    }
    if capa is not None:
        state["measures"] = capa.measures.all()
        # the measures are loaded with the record (feedback_get_for_detail): counted here, not in one more query
        prefetched = "measures" in getattr(capa, "_prefetched_objects_cache", {})
        state["rates"] = rates_of(state["measures"]) if prefetched else capa_rates(capa)
    if user.has_perm("feedback.close_feedback") and feedback.status in ("in_progress", "pending_close"):
        state["close_problems"] = close_resolved_problems(feedback)
    return state
