"""The calendar page's twelve month grids, each cell ready to print (class, ISO date, tooltip, mark): the page
draws 365 days, and doing the formatting here once per cell instead of in template tags keeps it fast."""

import calendar as month_tables
import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .calendar import BasisDay, Source
from .templatetags.calendar_days import day_name, source_label


def cell_kind(day: BasisDay, weekday: int) -> str:
    if day.source == Source.REGULAR:
        return "weekend" if weekday >= 5 else "workday"
    if day.is_working:
        return "makeup" if weekday >= 5 else "workday"
    return "holiday"


def _title(iso: str, day: BasisDay, note: str) -> str:
    parts = [iso]
    if day.source != Source.REGULAR:
        status = _("worked") if day.is_working else _("not worked")
        name = day_name(day)
        parts.append(f"{status} · {name}" if name else status)
        parts[-1] += f" ({source_label(day.source)})"
    if note:
        parts.append(note)
    return " · ".join(parts)


def _css(kind: str, day: BasisDay, today: bool) -> str:
    css = f"cal-day cal-{kind}"
    if day.source == Source.OVERRIDE:
        css += " cal-override"
    elif day.source == Source.ESTIMATED:
        css += " cal-estimated"
    return css + " cal-today" if today else css


def months(year: int, days: dict[dt.date, BasisDay], entries: dict, today: dt.date) -> list[dict]:
    """Month by month, week by week: a cell per day of the month (None for the days of the months around it)."""
    marks = {"holiday": pgettext("calendar mark", "off"), "makeup": pgettext("calendar mark", "work")}
    tables = month_tables.Calendar(firstweekday=0)
    grid = []
    for month in range(1, 13):
        weeks = []
        for week in tables.monthdatescalendar(year, month):
            cells = []
            for date in week:
                if date.month != month:
                    cells.append(None)
                    continue
                day, entry, iso = days[date], entries.get(date), date.isoformat()
                kind = cell_kind(day, date.weekday())
                cells.append(
                    {
                        "date": date,
                        "iso": iso,
                        "day": date.day,
                        "kind": kind,
                        "source": day.source,
                        "css": _css(kind, day, date == today),
                        "title": _title(iso, day, entry.note if entry else ""),
                        "mark": marks.get(kind, ""),
                    }
                )
            weeks.append(cells)
        grid.append({"number": month, "first": dt.date(year, month, 1), "weeks": weeks})
    return grid
