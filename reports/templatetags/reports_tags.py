"""The dashboard's template helpers: whether the navigation offers 管理驾驶舱, rates as percentages ("—" when
nothing was counted), and numbers as links to the feedback list that lists them."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from reports.selectors import can_see_dashboard

register = template.Library()


@register.filter
def sees_dashboard(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and can_see_dashboard(user)


@register.filter
def pct(rate) -> str:
    """0.875 → "87.5%"; None (nothing counted) → "—"."""
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.1f}%"


@register.filter
def days(value) -> str:
    """An average of working days, one decimal; None → "—"."""
    if value is None or value == "":
        return "—"
    return _("%(days).1f working days") % {"days": float(value)}


@register.simple_tag
def count_link(count, url=None, testid=""):
    """``count`` as a link to ``url`` (the feedback list filtered to exactly the records counted), or as plain text
    when what was counted is not a feedback (no list to open)."""
    if count is None:
        return "—"
    if not url:
        return format_html('<span class="dash-num">{}</span>', count)
    if testid:
        return format_html('<a class="dash-num" href="{}" data-testid="{}">{}</a>', url, testid, count)
    return format_html('<a class="dash-num" href="{}">{}</a>', url, count)
