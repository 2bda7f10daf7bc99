"""Celery tasks: an interface only, each calls a service."""

from celery import shared_task

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
