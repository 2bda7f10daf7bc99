"""Celery tasks: an interface only, each calls a service."""

from celery import shared_task

from .integrations import intake_purge


@shared_task(name="intake.tasks.purge", ignore_result=True)
def purge() -> int:
    """Nightly: old rate-limit windows and idempotency keys."""
    return intake_purge()


@shared_task(name="intake.tasks.check_import", ignore_result=True)
def check_import(batch_id: int) -> None:
    """Read and check an uploaded workbook (the preview)."""
    from .imports import batch_check

    batch_check(batch_id)


# A registration is a few dozen statements (number, history, clocks): 10,000 rows take minutes, not seconds.
@shared_task(
    name="intake.tasks.run_import", ignore_result=True, time_limit=3 * 3600, soft_time_limit=3 * 3600 - 60
)
def run_import(batch_id: int) -> None:
    """Import a checked workbook's rows, all or nothing."""
    from .imports import batch_import

    batch_import(batch_id)


@shared_task(name="intake.tasks.resume_imports", ignore_result=True)
def resume_imports() -> int:
    """Catch up on checks and imports whose task was never run (the broker was down when they were queued)."""
    from .imports import batches_stuck

    stuck = batches_stuck()
    for name, batch_id in stuck:
        globals()[name].delay(batch_id)
    return len(stuck)


@shared_task(name="intake.tasks.poll_mailbox", ignore_result=True)
def poll_mailbox() -> int:
    """Take the new messages of the official mailbox (beat, when INTAKE_IMAP_HOST is set)."""
    from .mailbox import mailbox_poll

    return mailbox_poll().taken
