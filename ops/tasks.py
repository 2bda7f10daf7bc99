import socket

from celery import shared_task

from .heartbeats import heartbeat_record
from .models import Heartbeat


@shared_task(name="ops.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Sent by beat; run by a worker: both are alive (ops.signals records beat's side)."""
    heartbeat_record(Heartbeat.WORKER, detail=socket.gethostname())
