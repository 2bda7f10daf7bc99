"""STUB (to be replaced by the calendar work): Monday-to-Friday only. Keep the public signatures."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone


@dataclass(frozen=True)
class Deadline:
    due: dt.datetime
    provisional: bool = False
    basis: tuple = field(default_factory=tuple)


def end_of_nth_working_day(moment: dt.datetime, n: int) -> Deadline:
    day = timezone.localtime(moment).date()
    count = 0
    while count < n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())
    return Deadline(due=end)
