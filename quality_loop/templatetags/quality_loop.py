"""Template helpers of the quality loop: the loop panel's state (a selector's), and small badges."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from corrective_actions.models import CapaStatus, Measure
from feedback.models import Status
from quality_loop.panel import panel_state
from sla.templatetags.sla_badges import sla_badges

register = template.Library()


@register.simple_tag
def lifecycle_state(feedback, user) -> dict:
    """The loop panel's state (quality_loop.panel.panel_state)."""
    return panel_state(feedback, user)


CAPA_STATUS_STYLES = {
    CapaStatus.DRAFT: "secondary",
    CapaStatus.SUBMITTED: "info",
    CapaStatus.RETURNED: "warning",
    CapaStatus.IN_PROGRESS: "primary",
    CapaStatus.PENDING_VERIFICATION: "info",
    CapaStatus.EFFECTIVE: "success",
}


@register.inclusion_tag("corrective_actions/_capa_status.html")
def capa_status_badge(capa):
    return {"capa": capa, "style": CAPA_STATUS_STYLES.get(capa.status, "secondary")}


CAPA_ROW = (
    "\n    <tr>\n"
    '      <td><a href="{}">{}</a></td>\n'
    "      <td>{}</td><td>{}</td><td>"
    '<span class="badge text-bg-{}" data-testid="capa-status">{}</span>\n'
    "</td><td>{}</td>\n"
    "      <td>{}</td>\n"
    '      <td>{} <span class="text-muted small">({}/{})</span></td>\n'
    '      <td>{} <span class="text-muted small">({}/{})</span></td>\n'
    "    </tr>\n  "
)


@register.simple_tag
def capa_rows(capas) -> SafeString:
    """The CAPA list's rows (corrective_actions.selectors.capa_list_page: with the feedback count and the
    rates), the HTML the row template made, in one pass (200 rows: the template's look-ups cost more than the
    query)."""
    url = reverse("corrective_actions:detail", kwargs={"number": "NUMBER"})
    labels = {value: str(label) for value, label in CapaStatus.choices}
    return format_html_join(
        "",
        CAPA_ROW,
        (
            (
                url.replace("NUMBER", c.number),
                c.number,
                c.title,
                c.lead_department,
                CAPA_STATUS_STYLES.get(c.status, "secondary"),
                labels.get(c.status, c.status),
                c.round,
                c.feedback_count,
                percent(c.completion_rate),
                c.measures_completed,
                c.measures_total,
                percent(c.delay_rate),
                c.measures_completed_late + c.measures_open_overdue,
                c.measures_due,
            )
            for c in capas
        ),
    )


MEASURE_STATE_STYLES = {
    Measure.State.PLANNED: "secondary",
    Measure.State.IN_PROGRESS: "primary",
    Measure.State.COMPLETED: "success",
    Measure.State.WITHDRAWN: "dark",
}


def _measure_state(measure, today=None) -> dict:
    today = today or timezone.localdate()
    overdue = (
        measure.state in (Measure.State.PLANNED, Measure.State.IN_PROGRESS) and measure.planned_date < today
    )
    late = (
        measure.state == Measure.State.COMPLETED
        and measure.completed_date is not None
        and measure.completed_date > measure.planned_date
    )
    return {
        "measure": measure,
        "style": MEASURE_STATE_STYLES[measure.state],
        "overdue": overdue,
        "late": late,
    }


@register.inclusion_tag("corrective_actions/_measure_state.html")
def measure_state_badge(measure, today=None):
    return _measure_state(measure, today)


def _measure_state_html(measure, today) -> SafeString:
    """What _measure_state.html draws, for a home's rows."""
    state = _measure_state(measure, today)
    if state["overdue"]:
        after = format_html(' <span class="badge text-bg-danger">{}</span>', gettext("overdue"))
    elif state["late"]:
        after = format_html(' <span class="badge text-bg-warning">{}</span>', gettext("completed late"))
    else:
        after = ""
    return format_html(
        '<span class="badge text-bg-{}" data-testid="measure-state">{}</span>{}',
        state["style"],
        measure.get_state_display(),
        after,
    )


@register.filter
def percent(value) -> str:
    """0.667 → "66.7%"; None (nothing to rate) → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


HOME_FEEDBACK_ROW = (
    "\n        <tr>\n"
    '          <td class="text-nowrap"><a href="{}" data-testid="row-{}">{}</a>{}</td>\n'
    '          <td>{}<div class="text-muted">{}</div></td>\n'
    "          <td>{}{}</td>\n"
    "          <td>{}</td>\n"
    "        </tr>\n        "
)
HOME_CAPA_ROW = (
    "\n        <tr>\n"
    '          <td class="text-nowrap"><a href="{}" data-testid="row-{}">{}</a></td>\n'
    '          <td>{}<div class="text-muted">{} · {}</div></td>\n'
    '          <td><span class="badge text-bg-{}" data-testid="capa-status">{}</span>\n</td>\n'
    "          <td>{}</td>\n"
    "        </tr>\n        "
)

HOME_MEASURE_ROW = (
    "\n        <tr>\n"
    '          <td class="text-nowrap"><a href="{}" data-testid="row-measure-{}">{}</a></td>\n'
    '          <td><span class="badge text-bg-light border">{}</span> {}</td>\n'
    "          <td>{} {} {}</td>\n"
    "          <td>{}</td>\n"
    "        </tr>\n        "
)


@register.simple_tag
def home_rows(section) -> SafeString:
    """A home section's feedback, CAPA or measure rows (quality_loop.views_workspace), the HTML the row template made, in
    one pass: a page of up to a dozen sections of 30 rows spent most of its time in the template's look-ups. A
    section that shows the rows of another (``shares_rows_of``) reuses what that one drew."""
    source = section.shares_rows_of or section
    if source.rows_html is None:
        source.rows_html = _home_rows(source)
    return source.rows_html


def _home_rows(section) -> SafeString:
    if section.kind == "feedback":
        url = reverse("feedback:detail", kwargs={"number": "NUMBER"})
        labels = {value: str(label) for value, label in Status.choices}
        waiting = format_html(' <i class="bi bi-pause-circle text-info" title="{}"></i>', gettext("Waiting"))
        rows = (
            (
                url.replace("NUMBER", f.number),
                f.number,
                f.number,
                LEVEL_III if f.severity == "III" else "",
                f.customer_name,
                "" if f.product_model is None else f.product_model,
                labels.get(f.status, f.status),
                waiting if f.waiting_reason else "",
                sla_badges(f.running_clocks),
            )
            for f in section.rows
        )
        return format_html_join("", HOME_FEEDBACK_ROW, rows)
    url = reverse("corrective_actions:detail", kwargs={"number": "NUMBER"})
    if section.kind == "measure":
        today, planned = timezone.localdate(), gettext("planned")
        kinds = {value: str(label) for value, label in Measure.Kind.choices}
        rows = (
            (
                url.replace("NUMBER", m.capa.number),
                m.pk,
                m.capa.number,
                kinds.get(m.kind, m.kind),
                m.description,
                planned,
                m.planned_date.isoformat(),
                _measure_state_html(m, today),
                sla_badges(m.running_clocks),
            )
            for m in section.rows
        )
        return format_html_join("", HOME_MEASURE_ROW, rows)
    labels = {value: str(label) for value, label in CapaStatus.choices}
    rows = (
        (
            url.replace("NUMBER", c.number),
            c.number,
            c.number,
            c.title,
            c.lead_department,
            gettext("round %(round)s") % {"round": c.round},
            CAPA_STATUS_STYLES.get(c.status, "secondary"),
            labels.get(c.status, c.status),
            sla_badges(c.running_clocks),
        )
        for c in section.rows
    )
    return format_html_join("", HOME_CAPA_ROW, rows)


LEVEL_III = SafeString(' <span class="badge text-bg-danger">Ⅲ</span>')
