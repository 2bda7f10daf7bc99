"""Beat's side of the heartbeat: when the heartbeat task is published (only beat publishes it), record it. This
tells a stopped beat apart from a stopped worker: beat's time moves on without the worker's, or neither does."""

import logging

from celery.signals import before_task_publish

logger = logging.getLogger(__name__)


@before_task_publish.connect(dispatch_uid="ops.beat_heartbeat")
def _beat_sent_heartbeat(sender=None, **kwargs) -> None:
    if sender != "ops.tasks.heartbeat":
        return
    try:
        from .heartbeats import heartbeat_record
        from .models import Heartbeat

        heartbeat_record(Heartbeat.BEAT)
    except Exception:  # the database is down: the heartbeat is still sent; /healthz will show the gap
        logger.warning("could not record beat's heartbeat", exc_info=True)
