"""Tasks that exist only for the worker-fixture test: the real worker imports this module with --include."""

import os

from celery import shared_task
from django.db import transaction

from accounts.models import Department


@shared_task(name="tests.infra.record_pid")
def record_pid(code: str) -> int:
    """Write a department whose name is the pid of the process that ran the task."""
    Department.objects.create(code=code, name=f"pid {os.getpid()}")
    return os.getpid()


@shared_task(name="tests.infra.record_then_enqueue")
def record_then_enqueue(code: str, next_code: str) -> None:
    """Write a row, then enqueue another task on commit, as services do: it must reach the same worker."""
    with transaction.atomic():
        Department.objects.create(code=code, name=f"first {os.getpid()}")
        transaction.on_commit(lambda: record_pid.delay(next_code))
