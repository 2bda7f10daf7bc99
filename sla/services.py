"""STUB (to be replaced by the SLA work): keep the public signatures; these do nothing yet."""

import datetime as dt

from .models import ClockKind


def clock_start(*, feedback, kind: ClockKind, start: dt.datetime | None = None, measure=None):
    return None


def clock_stop(*, feedback, kind: ClockKind, at: dt.datetime | None = None, measure=None):
    return None


def clocks_pause(*, feedback, at: dt.datetime | None = None) -> None:
    return None


def clocks_resume(*, feedback, at: dt.datetime | None = None) -> None:
    return None
