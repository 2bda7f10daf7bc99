"""Celery tasks: an interface only, each calls a service."""

from celery import shared_task

from .services import email_outbox_flush


@shared_task(name="notifications.tasks.flush_email_outbox", ignore_result=True)
def flush_email_outbox() -> int:
    """Send the e-mails that are due (periodic, and nudged after a notice is created)."""
    return email_outbox_flush()
