"""Celery tasks: an interface only, each calls a service."""

from celery import shared_task

from .calendar_notices import next_year_missing_notify
from .robot_outbox import robot_outbox_flush
from .services import email_outbox_flush


@shared_task(name="notifications.tasks.flush_email_outbox", ignore_result=True)
def flush_email_outbox() -> int:
    """Send the e-mails that are due (periodic, and nudged after a notice is created)."""
    return email_outbox_flush()


@shared_task(name="notifications.tasks.flush_robot_outbox", ignore_result=True)
def flush_robot_outbox() -> int:
    """Post the group-chat robot messages that are due (periodic, and nudged after a notice is routed)."""
    return robot_outbox_flush()


@shared_task(name="notifications.tasks.check_next_year", ignore_result=True)
def check_next_year() -> int | None:
    """Daily (beat): in December, tell the administrators when next year is not in the calendar yet."""
    return next_year_missing_notify()
