"""Celery tasks: an interface only, each calls a service."""

from celery import shared_task

from .services import next_year_missing_notify


@shared_task(name="workcalendar.tasks.check_next_year", ignore_result=True)
def check_next_year() -> int | None:
    """Daily (beat): in December, tell the administrators when next year is not in the calendar yet."""
    return next_year_missing_notify()
