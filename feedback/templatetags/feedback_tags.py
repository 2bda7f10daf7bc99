"""Row-level badges of the feedback list and the list's rows, rendered in Python (cheaper than a template's
look-ups, filters and tags per cell)."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.privacy import mask_phone
from sla.templatetags.sla_badges import sla_badges

from ..models import Channel, Status

register = template.Library()

STATUS_COLOURS = {Status.DRAFT: "secondary", Status.CLOSED: "success", Status.VOIDED: "dark"}


@register.simple_tag
def status_badge(feedback, label=None) -> SafeString:
    return format_html(
        '<span class="badge text-bg-{}" data-testid="feedback-status">{}</span>',
        STATUS_COLOURS.get(feedback.status, "primary"),
        feedback.get_status_display() if label is None else label,
    )


@register.simple_tag
def registration_badge(feedback) -> SafeString:
    """On time / late once registered; the due time or "overdue" while a draft. Nothing for a voided record."""
    if feedback.status == Status.VOIDED:
        return SafeString("")
    due = timezone.localtime(feedback.registration_due_at)
    title = f"{_('Due')} {due:%Y-%m-%d %H:%M}"  # numeric: the same in every language, 25 times a page
    late = feedback.registration_late
    if feedback.registered_at:
        colour, text = ("danger", _("Registered late")) if late else ("success", _("On time"))
    elif late:
        colour, text = "danger", _("Registration overdue")
    else:
        colour, text = "warning", f"{_('Due')} {due:%m-%d %H:%M}"
    return format_html('<span class="badge text-bg-{}" title="{}">{}</span>', colour, title, text)


ROW = (
    "\n    <tr>\n"
    '      <td><a href="{}" class="fw-semibold">{}</a></td>\n'
    "      <td>{}{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    '      <td class="text-nowrap">{}</td>\n'
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "    </tr>\n  "
)
LEVEL_III = SafeString(' <span class="badge text-bg-danger">Ⅲ</span>')


@register.simple_tag
def feedback_rows(rows) -> SafeString:
    """The list's rows (feedback.selectors.feedback_list_rows), the HTML the row template made, in one pass."""
    url = reverse("feedback:detail", kwargs={"number": "NUMBER"})
    # the labels translated once for the page (get_FOO_display translates every choice of the field at each call)
    labels = {
        "status": {value: str(label) for value, label in Status.choices},
        "channel": {value: str(label) for value, label in Channel.choices},
    }
    return format_html_join("", ROW, (_row_cells(row, url, labels) for row in rows))


def _row_cells(row: dict, url: str, labels: dict) -> tuple:
    f = row["feedback"]
    model = f.product_model
    return (
        url.replace("NUMBER", f.number),
        f.number,
        status_badge(f, labels["status"].get(f.status, f.status)),
        LEVEL_III if f.severity == "III" else "",
        f.customer_name or "—",
        mask_phone(f.contact_phone) or "—",
        f"{model.name} {model.code}" if model else "—",
        labels["channel"].get(f.channel, f.channel) or "—",
        f"{timezone.localtime(f.feedback_time):%Y-%m-%d %H:%M}",
        registration_badge(f),
        sla_badges(row["clocks"]),
        f.cs_owner,
    )


@register.simple_tag
def filter_fields(filterset) -> SafeString:
    """The list's filter fields (all but the drill-down ones), the HTML the template's loop over the form made,
    in one pass: each field's value read once, each field's choices iterated once."""
    skip = filterset.DRILL_ONLY
    return format_html_join(
        "", "{}", ((_filter_field(field),) for field in filterset.form if field.name not in skip)
    )


def _options(choices, selected) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, mark_safe(" selected") if selected(v) else "", label) for v, label in choices),
    )


def _filter_field(field) -> SafeString:
    value = field.value()
    label_id = field.id_for_label
    if field.name == "status":
        chosen = value if isinstance(value, list | tuple) else ()
        control = format_html(
            '<select name="status" id="{}" class="form-select form-select-sm" multiple size="3">\n        {}\n'
            "      </select>",
            label_id,
            _options(field.field.choices, lambda v: v in chosen),
        )
    elif field.field.widget.input_type == "select":
        current = str(value)  # the template compared value|stringformat:"s"
        control = format_html(
            '<select name="{}" id="{}" class="form-select form-select-sm">\n        {}\n      </select>',
            field.html_name,
            label_id,
            format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    ("" if v is None else v, mark_safe(" selected") if str(v) == current else "", label)
                    for v, label in field.field.choices
                ),
            ),
        )
    else:
        control = format_html(
            '<input type="{}" name="{}" id="{}" value="{}" class="form-control form-control-sm{}">',
            field.field.widget.input_type or "text",
            field.html_name,
            label_id,
            "" if value is None else value,
            " is-invalid" if field.errors else "",
        )
    return format_html(
        '\n    <div class="col-6 col-md-4 col-xl-2">\n'
        '      <label class="form-label small mb-1" for="{}">{}</label>\n'
        "      {}\n"
        "      {}\n"
        "    </div>\n    ",
        label_id,
        field.label,
        control,
        format_html_join("", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in field.errors)),
    )
