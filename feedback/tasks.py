from celery import shared_task

from .attachments import stash_purge


@shared_task(ignore_result=True)
def purge_stash() -> int:
    """Nightly: files kept for forms that were never sent again."""
    return stash_purge()
