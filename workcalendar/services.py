"""Changes to the working-day calendar. Every change writes a new calendar revision (so every process reloads
its cached calendar) and, once committed, sends ``workcalendar.signals.calendar_changed`` (sla recomputes every
running deadline on it)."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import signals
from .calendar import OFFICIAL_YEARS, forget_cached_calendar, get_calendar
from .models import CalendarDay, CalendarRevision, CalendarYear

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HolidayRange:
    first: dt.date
    last: dt.date
    name: str


@dataclass(frozen=True)
class MakeUpDay:
    date: dt.date
    name: str


def calendar_changed() -> None:
    """Record that the calendar changed (in the caller's transaction); after commit, the ``calendar_changed``
    signal tells whoever counts in working days (sla recomputes its running clocks)."""
    CalendarRevision.bump()
    forget_cached_calendar()
    transaction.on_commit(_announce_change)


def _announce_change() -> None:
    forget_cached_calendar()
    signals.calendar_changed.send(sender=CalendarRevision)


@transaction.atomic
def calendar_day_set(
    *, date: dt.date, is_working: bool, name: str = "", note: str = "", actor
) -> CalendarDay:
    """Override one day: worked or not, with a name and a note."""
    day = CalendarDay.objects.select_for_update().filter(date=date).first() or CalendarDay(date=date)
    day.is_working = is_working
    day.name = name.strip()
    day.note = note.strip()
    day.updated_by = actor
    day.updated_at = timezone.now()
    day._history_user = actor
    day.full_clean()
    day.save()
    calendar_changed()
    return day


@transaction.atomic
def calendar_day_clear(*, date: dt.date, actor) -> bool:
    """Remove the administrator's entry for ``date``: the official (or estimated) status applies again."""
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    if day is None:
        return False
    day._history_user = actor
    day.delete()
    calendar_changed()
    return True


@transaction.atomic
def calendar_year_enter(
    *,
    year: int,
    holidays: list[HolidayRange],
    make_up_days: list[MakeUpDay],
    note: str = "",
    actor,
) -> CalendarYear:
    """Enter a whole year's schedule as published: its holidays and its make-up working days. Replaces every
    administrator entry of that year; the other days of the year are worked Monday to Friday."""
    if year in OFFICIAL_YEARS:
        raise ValidationError(
            _("%(year)s is already in the official calendar; override single days instead.") % {"year": year}
        )
    days = year_entry_days(year=year, holidays=holidays, make_up_days=make_up_days)
    now = timezone.now()
    for old in CalendarDay.objects.select_for_update().filter(date__year=year):
        old._history_user = actor
        old.delete()
    for date, (is_working, name) in sorted(days.items()):
        day = CalendarDay(
            date=date, is_working=is_working, name=name, note=note, updated_by=actor, updated_at=now
        )
        day._history_user = actor
        day.full_clean()
        day.save()
    entered = CalendarYear.objects.select_for_update().filter(year=year).first() or CalendarYear(year=year)
    entered.note = note
    entered.entered_by = actor
    entered.entered_at = now
    entered._history_user = actor
    entered.full_clean()
    entered.save()
    calendar_changed()
    return entered


def year_entry_days(
    *, year: int, holidays: list[HolidayRange], make_up_days: list[MakeUpDay]
) -> dict[dt.date, tuple[bool, str]]:
    """The days a year entry writes, checked: every date in the year, ranges in order, no day listed twice,
    no make-up day inside a holiday."""
    errors: list[str] = []
    days: dict[dt.date, tuple[bool, str]] = {}
    for holiday in holidays:
        if holiday.last < holiday.first:
            errors.append(
                _("%(first)s–%(last)s: the range ends before it starts.")
                % {"first": holiday.first, "last": holiday.last}
            )
            continue
        if holiday.first.year != year or holiday.last.year != year:
            errors.append(
                _("%(first)s–%(last)s is not in %(year)s.")
                % {"first": holiday.first, "last": holiday.last, "year": year}
            )
            continue
        day = holiday.first
        while day <= holiday.last:
            if day in days:
                errors.append(_("%(date)s is listed twice.") % {"date": day})
            days[day] = (False, holiday.name)
            day += dt.timedelta(days=1)
    for make_up in make_up_days:
        if make_up.date.year != year:
            errors.append(_("%(date)s is not in %(year)s.") % {"date": make_up.date, "year": year})
            continue
        if make_up.date in days:
            errors.append(_("%(date)s is both a holiday and a make-up working day.") % {"date": make_up.date})
            continue
        if make_up.date.weekday() < 5:
            errors.append(
                _("%(date)s is a weekday: a make-up working day is a Saturday or a Sunday.")
                % {"date": make_up.date}
            )
            continue
        days[make_up.date] = (True, make_up.name)
    if not holidays:
        errors.append(_("Enter at least one holiday."))
    if errors:
        raise ValidationError(errors)
    return days


def next_year_missing(today: dt.date | None = None) -> int | None:
    """In December, next year if the calendar does not know it yet (neither official nor entered)."""
    today = today or timezone.localdate()
    if today.month != 12:
        return None
    year = today.year + 1
    return None if get_calendar().is_year_covered(year) else year


def entered_year(year: int) -> CalendarYear | None:
    return CalendarYear.objects.select_related("entered_by").filter(year=year).first()
