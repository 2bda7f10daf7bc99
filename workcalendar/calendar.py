"""China's working-day calendar, and the one function every deadline goes through.

A day is worked or not according to, in this order:

1. an administrator's entry (``CalendarDay``: an override of one day, or a day of a year entered by hand);
2. the official schedule published by the State Council, as packaged by ``chinesecalendar`` (its data ends with
   2026 and it raises for later years);
3. for a year an administrator has entered by hand: Monday to Friday (its holidays and make-up days are entries);
4. for a year nobody has entered: Monday to Friday less the statutory holidays the ``holidays`` package estimates
   (it knows 1 January and the lunar festivals, not the make-up days). Such days are *estimated*, and a deadline
   whose count runs through such a year is *provisional* until the year is entered.

Everything here is a pure function over a ``WorkCalendar`` (all the days, loaded once). ``get_calendar()`` caches
it per process and reloads it when the calendar's revision token in the database changes (one primary-key read
per call, never a query per day); every change to the calendar writes a new token (workcalendar.services).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

import holidays as holidays_package
from chinese_calendar import constants as official_data

CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59)
ONE_DAY = dt.timedelta(days=1)
# The longest run of days without a working day we accept before deciding the calendar is broken.
MAX_SEARCH_DAYS = 3660


class Source:
    """Where the status of a day comes from."""

    OFFICIAL = "official"  # State Council schedule (chinesecalendar)
    OVERRIDE = "override"  # an administrator's entry
    ESTIMATED = "estimated"  # the ``holidays`` package's estimate for a year nobody has entered
    REGULAR = "regular"  # plain Monday-to-Friday (not part of a deadline's basis)


class YearSource:
    OFFICIAL = "official"
    ENTERED = "entered"
    ESTIMATED = "estimated"


@dataclass(frozen=True)
class BasisDay:
    """One calendar day that shaped a deadline: a holiday, a make-up working day, an override, an estimate."""

    date: dt.date
    is_working: bool
    name: str
    source: str
    name_en: str = ""

    def as_json(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "working": self.is_working,
            "name": self.name,
            "name_en": self.name_en or self.name,
            "source": self.source,
        }


@dataclass(frozen=True)
class Deadline:
    due: dt.datetime
    provisional: bool = False
    basis: tuple[BasisDay, ...] = field(default_factory=tuple)
    estimated_years: tuple[int, ...] = ()

    def basis_json(self) -> dict:
        return {"days": [day.as_json() for day in self.basis], "estimated_years": list(self.estimated_years)}


@dataclass(frozen=True)
class Override:
    is_working: bool
    name: str = ""


# --- the data of the packages -----------------------------------------------------------------------------------
_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in official_data.Holiday}
# The package's short names, as people write them in a holiday notice.
_CHINESE_NAMES.update(
    {"Tomb-sweeping Day": "清明节", "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节"}
)


def _official_days() -> dict[dt.date, BasisDay]:
    days: dict[dt.date, BasisDay] = {}
    for table, worked in ((official_data.holidays, False), (official_data.workdays, True)):
        for day, holiday in table.items():
            english = getattr(holiday, "value", holiday)
            days[day] = BasisDay(
                date=day,
                is_working=worked,
                name=_CHINESE_NAMES.get(english, english),
                name_en=english,
                source=Source.OFFICIAL,
            )
    return days


OFFICIAL_DAYS: Mapping[dt.date, BasisDay] = _official_days()
OFFICIAL_YEARS: frozenset[int] = frozenset(
    range(min(official_data.holidays).year, max(official_data.holidays).year + 1)
)


@cache
def estimated_days(year: int) -> Mapping[dt.date, BasisDay]:
    """The statutory holidays the ``holidays`` package expects in ``year`` (no make-up days: it cannot know them)."""
    chinese = holidays_package.country_holidays("CN", years=year, language="zh_CN")
    english = holidays_package.country_holidays("CN", years=year, language="en_US")
    return {
        day: BasisDay(
            date=day, is_working=False, name=name, name_en=english.get(day, name), source=Source.ESTIMATED
        )
        for day, name in sorted(chinese.items())
        if day.year == year
    }


# --- the calendar -----------------------------------------------------------------------------------------------
class WorkCalendar:
    """All the days, in memory. Immutable; build a new one when the calendar changes."""

    def __init__(
        self,
        *,
        overrides: Mapping[dt.date, Override] | None = None,
        entered_years: Iterable[int] = (),
        revision: str = "",
    ) -> None:
        self.overrides: Mapping[dt.date, Override] = dict(overrides or {})
        self.entered_years: frozenset[int] = frozenset(entered_years)
        self.revision = revision

    # -- single days --
    def year_source(self, year: int) -> str:
        if year in self.entered_years:
            return YearSource.ENTERED
        if year in OFFICIAL_YEARS:
            return YearSource.OFFICIAL
        return YearSource.ESTIMATED

    def is_year_covered(self, year: int) -> bool:
        return self.year_source(year) != YearSource.ESTIMATED

    def day(self, day: dt.date) -> BasisDay:
        """The status of ``day`` and where it comes from (``Source.REGULAR`` for a plain weekday or weekend)."""
        override = self.overrides.get(day)
        if override is not None:
            return BasisDay(
                date=day, is_working=override.is_working, name=override.name, source=Source.OVERRIDE
            )
        year_source = self.year_source(day.year)
        if year_source == YearSource.OFFICIAL:
            official = OFFICIAL_DAYS.get(day)
            if official is not None:
                return official
        elif year_source == YearSource.ESTIMATED:
            estimate = estimated_days(day.year).get(day)
            if estimate is not None:
                return estimate
        return BasisDay(date=day, is_working=day.weekday() < 5, name="", source=Source.REGULAR)

    def is_working(self, day: dt.date) -> bool:
        return self.day(day).is_working

    def days_of_year(self, year: int) -> list[BasisDay]:
        day = dt.date(year, 1, 1)
        out = []
        while day.year == year:
            out.append(self.day(day))
            day += ONE_DAY
        return out

    # -- counting --
    def next_working_day(self, day: dt.date, *, inclusive: bool = False) -> dt.date:
        candidate = day if inclusive else day + ONE_DAY
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working(candidate):
                return candidate
            candidate += ONE_DAY
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days after {day}")

    def working_days_between(self, first: dt.date, last: dt.date) -> int:
        """How many working days there are from ``first`` to ``last``, both included (0 if last < first)."""
        count, day = 0, first
        while day <= last:
            count += self.is_working(day)
            day += ONE_DAY
        return count

    def deadline_after_date(self, anchor: dt.date, n: int) -> Deadline:
        """The end (23:59:59 Asia/Shanghai) of the ``n``-th working day after ``anchor`` (``n`` = 0: ``anchor``)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day, counted, basis, estimated = anchor, 0, [], set()
        for _ in range(MAX_SEARCH_DAYS):
            if counted >= n:
                break
            day += ONE_DAY
            info = self.day(day)
            if info.source != Source.REGULAR:
                basis.append(info)
            if self.year_source(day.year) == YearSource.ESTIMATED:
                estimated.add(day.year)
            counted += info.is_working
        else:
            raise ValueError(f"no {n} working days within {MAX_SEARCH_DAYS} days after {anchor}")
        return Deadline(
            due=end_of_day(day),
            provisional=bool(estimated),
            basis=tuple(basis),
            estimated_years=tuple(sorted(estimated)),
        )

    def end_of_nth_working_day(self, moment: dt.datetime, n: int) -> Deadline:
        return self.deadline_after_date(local_date(moment), n)

    def working_time_before(self, due: dt.datetime, days: float) -> dt.datetime:
        """The moment ``days`` working days (each working day counting its 24 hours, other days not at all)
        before ``due``. Used for warning points: a clock of N working days warns when N × (1 − p) remain."""
        if days <= 0:
            return due
        local_due = due.astimezone(CHINA)
        day = local_due.date()
        # The part of the due day itself (the due time is the end of a day: 23:59:59 counts as the whole day).
        whole, fraction = math.floor(days), days - math.floor(days)
        remaining = whole
        if not self.is_working(day):
            day = self._previous_working_day(day)
        # Walk back over whole working days; the warning falls inside (or at the start of) a working day.
        while remaining > 0:
            remaining -= 1
            if remaining == 0 and fraction == 0:
                return start_of_day(day)
            day = self._previous_working_day(day)
        if fraction == 0:
            return start_of_day(day)
        start = start_of_day(day)
        return start + (start_of_day(day + ONE_DAY) - start) * (1 - fraction)

    def _previous_working_day(self, day: dt.date) -> dt.date:
        candidate = day - ONE_DAY
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working(candidate):
                return candidate
            candidate -= ONE_DAY
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days before {day}")

    def next_working_time(self, moment: dt.datetime, *, start: dt.time, end: dt.time) -> dt.datetime:
        """``moment`` if it falls in working time (a working day, ``start`` ≤ time < ``end``), otherwise the
        next working morning at ``start``."""
        local = moment.astimezone(CHINA)
        today = local.date()
        if self.is_working(today):
            if start <= local.time() < end:
                return moment
            if local.time() < start:
                return dt.datetime.combine(today, start, tzinfo=CHINA)
        return dt.datetime.combine(self.next_working_day(today), start, tzinfo=CHINA)


# --- small helpers ----------------------------------------------------------------------------------------------
def local_date(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(CHINA).date()


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=CHINA)


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=CHINA)


def parse_clock_time(value: str | dt.time) -> dt.time:
    if isinstance(value, dt.time):
        return value
    hours, _, minutes = str(value).partition(":")
    return dt.time(int(hours), int(minutes or 0))


# --- the cached calendar ----------------------------------------------------------------------------------------
_lock = threading.Lock()
_cached: WorkCalendar | None = None


def load_calendar(revision: str = "") -> WorkCalendar:
    """Read every administrator entry (two queries) into a new calendar."""
    from .models import CalendarDay, CalendarYear

    overrides = {
        day: Override(is_working=is_working, name=name)
        for day, is_working, name in CalendarDay.objects.values_list("date", "is_working", "name")
    }
    entered = CalendarYear.objects.values_list("year", flat=True)
    return WorkCalendar(overrides=overrides, entered_years=list(entered), revision=revision)


def get_calendar(*, refresh: bool = False) -> WorkCalendar:
    """The calendar, from the process cache unless the calendar changed since it was loaded."""
    from .models import CalendarRevision

    global _cached
    revision = CalendarRevision.current()
    cached = _cached
    if cached is not None and not refresh and cached.revision == revision:
        return cached
    with _lock:
        fresh = load_calendar(revision)
        _cached = fresh
    return fresh


def forget_cached_calendar() -> None:
    global _cached
    _cached = None


# --- the public interface ---------------------------------------------------------------------------------------
def end_of_nth_working_day(moment: dt.datetime, n: int) -> Deadline:
    """The end (23:59:59 Asia/Shanghai) of the ``n``-th working day after ``moment``'s local date, with whether
    it is provisional and the calendar days that shaped it."""
    return get_calendar().end_of_nth_working_day(moment, n)


def is_working_day(day: dt.date) -> bool:
    return get_calendar().is_working(day)


def next_working_time(moment: dt.datetime) -> dt.datetime:
    """When an e-mail produced at ``moment`` may go: at once in working time, else the next working morning."""
    from django.conf import settings

    return get_calendar().next_working_time(
        moment,
        start=parse_clock_time(settings.NOTIFY_WORKDAY_START),
        end=parse_clock_time(settings.NOTIFY_WORKDAY_END),
    )
