"""Celery tasks: an interface only, each calls a service."""

from celery import shared_task

from .integrations import intake_purge


@shared_task(name="intake.tasks.purge", ignore_result=True)
def purge() -> int:
    """Nightly: old rate-limit windows and idempotency keys."""
    return intake_purge()
