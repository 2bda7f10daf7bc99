"""Showing calendar days (a deadline's basis, the calendar page) in the reader's language."""

from django import template
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from workcalendar.calendar import Source, YearSource

register = template.Library()

SOURCE_LABELS = {
    Source.OFFICIAL: _("official"),
    Source.OVERRIDE: _("administrator"),
    Source.ESTIMATED: _("estimated"),
    Source.REGULAR: _("regular"),
}
YEAR_SOURCE_LABELS = {
    YearSource.OFFICIAL: _("Official schedule (State Council, chinesecalendar package)"),
    YearSource.ENTERED: _("Entered by an administrator"),
    YearSource.ESTIMATED: _(
        "Not entered yet: estimated (Monday to Friday less the expected statutory holidays)"
    ),
}


@register.filter
def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))


@register.filter
def year_source_label(source: str) -> str:
    return str(YEAR_SOURCE_LABELS.get(source, source))


@register.filter
def day_name(day) -> str:
    """The name of a basis day (a dict from a clock's basis, or a BasisDay) in the active language."""
    get = day.get if isinstance(day, dict) else lambda key, default="": getattr(day, key, default)
    if (translation.get_language() or "").startswith("en"):
        return get("name_en", "") or get("name", "")
    return get("name", "") or get("name_en", "")
