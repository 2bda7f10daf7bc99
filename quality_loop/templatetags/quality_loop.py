"""Template helpers of the quality loop: the state the feedback's lifecycle panel shows, and small badges."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone

from corrective_actions import rules
from corrective_actions.models import CapaStatus, Measure
from corrective_actions.selectors import capa_rates, capa_visible_to

register = template.Library()

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


@register.simple_tag
def lifecycle_state(feedback, user) -> dict:
    """Everything the panel shows for ``feedback`` and what ``user`` may do on it now. A feedback read with
    ``feedback.selectors.feedback_get_for_detail`` brings its relations along: a few queries in all, the same
    for every action asked about and for any number of contacts, attempts or measures."""
    from feedback.models import Verification
    from feedback.selectors import callback_of, verification_of
    from quality_loop.lifecycle import close_resolved_problems
    from quality_loop.views_lifecycle import ACTIONS

    verification = verification_of(feedback)
    callback = callback_of(feedback)
    buttons = []
    for name, icon, style in BUTTONS:
        if ACTIONS[name].why_not(user, feedback) is None:
            if name == "classify" and feedback.severity:
                style = "outline-primary"  # done once; still offered to correct or escalate
            buttons.append(
                {
                    "name": name,
                    "label": ACTIONS[name].title,
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
        "duplicates": list(feedback.duplicates.only("number")),
        "capa": capa,
        "capa_visible": bool(capa) and capa_visible_to(user).filter(pk=capa.pk).exists(),
        "close_problems": [],
    }
    if capa is not None:
        state["measures"] = capa.measures.all()
        state["rates"] = capa_rates(capa)
    if user.has_perm("feedback.close_feedback") and feedback.status in ("in_progress", "pending_close"):
        state["close_problems"] = close_resolved_problems(feedback)
    return state


@register.inclusion_tag("corrective_actions/_capa_status.html")
def capa_status_badge(capa):
    styles = {
        CapaStatus.DRAFT: "secondary",
        CapaStatus.SUBMITTED: "info",
        CapaStatus.RETURNED: "warning",
        CapaStatus.IN_PROGRESS: "primary",
        CapaStatus.PENDING_VERIFICATION: "info",
        CapaStatus.EFFECTIVE: "success",
    }
    return {"capa": capa, "style": styles.get(capa.status, "secondary")}


@register.inclusion_tag("corrective_actions/_measure_state.html")
def measure_state_badge(measure, today=None):
    today = today or timezone.localdate()
    overdue = (
        measure.state in (Measure.State.PLANNED, Measure.State.IN_PROGRESS) and measure.planned_date < today
    )
    late = (
        measure.state == Measure.State.COMPLETED
        and measure.completed_date is not None
        and measure.completed_date > measure.planned_date
    )
    styles = {
        Measure.State.PLANNED: "secondary",
        Measure.State.IN_PROGRESS: "primary",
        Measure.State.COMPLETED: "success",
        Measure.State.WITHDRAWN: "dark",
    }
    return {"measure": measure, "style": styles[measure.state], "overdue": overdue, "late": late}


@register.filter
def percent(value) -> str:
    """0.667 → "66.7%"; None (nothing to rate) → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"
