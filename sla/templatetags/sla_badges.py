"""Deadline badges, rendered in Python: lists show one per running clock per row, and an include per badge
cost more than the rest of the row."""

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import ClockKind, ClockState

register = template.Library()

# The fixed words of a badge, per language: a home page draws about a hundred badges, and translating the same
# labels for each one was a third of its time (issue 10). The catalogues do not change while the server runs.
_WORDS: dict[str, dict] = {}


def _words() -> dict:
    language = translation.get_language() or ""
    words = _WORDS.get(language)
    if words is None:
        words = _WORDS[language] = {
            "due": _("Due"),
            "provisional": _("provisional: the calendar of a later year is not entered yet"),
            "kinds": {value: str(label) for value, label in ClockKind.choices},
            "states": {value: str(label) for value, label in ClockState.choices},
        }
    return words


def _local(moment, fmt: str) -> str:
    """``moment`` in local time, as ``fmt`` (strftime: these numeric formats read the same in every language,
    and a page of 70 badges spent a fifth of its time in Django's date formatting)."""
    return timezone.localtime(moment).strftime(fmt)


def badge_html(clock, *, now=None) -> SafeString:
    words = _words()
    state = clock.state_at(now or timezone.now())
    if state == ClockState.PAUSED:
        days = clock.remaining_days or 0
        title = ngettext("Paused: %(days)s working day left", "Paused: %(days)s working days left", days) % {
            "days": days
        }
        due = ""
    else:
        title = f"{words['due']} {_local(clock.due_at, '%Y-%m-%d %H:%M')}"
        due = f" {_local(clock.due_at, '%m-%d %H:%M')}" if clock.is_running else ""
    if clock.provisional:
        title += " · " + words["provisional"]
    return format_html(
        '<span class="badge badge-sla-{} me-1" data-testid="sla-badge" data-sla-kind="{}" data-sla-state="{}" '
        'title="{}">{} · {}{}{}</span>',
        state,
        clock.kind,
        state,
        title,
        words["kinds"].get(clock.kind, clock.kind),
        words["states"].get(state, state),
        due,
        "*" if clock.provisional else "",
    )


@register.simple_tag
def sla_badge(clock) -> SafeString:
    return badge_html(clock)


@register.simple_tag
def sla_badges(clocks) -> SafeString:
    """Every clock's badge, or a dash when there is none."""
    if not clocks:
        return mark_safe('<span class="text-muted small">—</span>')
    now = timezone.now()
    return format_html_join("", "{}", ((badge_html(clock, now=now),) for clock in clocks))
