"""Template helpers of the quality loop: the loop panel's state (a selector's), and small badges."""

from __future__ import annotations

from django import template
from django.utils import timezone

from corrective_actions.models import CapaStatus, Measure
from quality_loop.panel import panel_state

register = template.Library()


@register.simple_tag
def lifecycle_state(feedback, user) -> dict:
    """The loop panel's state (quality_loop.panel.panel_state)."""
    return panel_state(feedback, user)


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
