"""Celery tasks: an interface only, each calls a service."""

import logging

from celery import shared_task

from .recompute import clocks_recompute, clocks_recompute_if_stale
from .sweep import clocks_sweep

logger = logging.getLogger(__name__)


@shared_task(name="sla.tasks.sweep_clocks", ignore_result=True)
def sweep_clocks() -> dict:
    """Every minute (beat): notify the clocks that turned due soon or overdue, once each. Also catches up a
    recomputation after a calendar change whose task could not be enqueued."""
    clocks_recompute_if_stale()
    result = clocks_sweep()
    return {"due_soon": result.due_soon, "overdue": result.overdue, "notices": result.notices}


@shared_task(name="sla.tasks.recompute_clocks", ignore_result=True)
def recompute_clocks() -> int:
    """After a calendar change: recompute every running working-day deadline."""
    return clocks_recompute()


def recompute_after_calendar_change(**kwargs) -> None:
    """Receiver of ``workcalendar.signals.calendar_changed`` (after the change's commit): enqueue the recompute."""
    try:
        recompute_clocks.apply_async()
    except Exception:  # the broker is down: the calendar is saved; the next sweep recomputes (sweep_clocks)
        logger.exception("could not enqueue the recomputation of running deadlines; the sweep will catch up")
