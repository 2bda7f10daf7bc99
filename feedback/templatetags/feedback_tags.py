"""Row-level badges of the feedback list, rendered in Python (one per row: cheaper than an include)."""

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..models import Status

register = template.Library()

STATUS_COLOURS = {Status.DRAFT: "secondary", Status.CLOSED: "success", Status.VOIDED: "dark"}


@register.simple_tag
def status_badge(feedback) -> SafeString:
    return format_html(
        '<span class="badge text-bg-{}" data-testid="feedback-status">{}</span>',
        STATUS_COLOURS.get(feedback.status, "primary"),
        feedback.get_status_display(),
    )


@register.simple_tag
def registration_badge(feedback) -> SafeString:
    """On time / late once registered; the due time or "overdue" while a draft. Nothing for a voided record."""
    if feedback.status == Status.VOIDED:
        return SafeString("")
    due = timezone.localtime(feedback.registration_due_at)
    title = f"{_('Due')} {formats.date_format(due, 'Y-m-d H:i')}"
    late = feedback.registration_late
    if feedback.registered_at:
        colour, text = ("danger", _("Registered late")) if late else ("success", _("On time"))
    elif late:
        colour, text = "danger", _("Registration overdue")
    else:
        colour, text = "warning", f"{_('Due')} {formats.date_format(due, 'm-d H:i')}"
    return format_html('<span class="badge text-bg-{}" title="{}">{}</span>', colour, title, text)
