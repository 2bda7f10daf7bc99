"""The sweep that tells people: clocks that crossed their warning point or deadline, each notified once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import ports
from .models import GRACE, Outcome, SlaClock

SWEEP_BATCH = 200


@dataclass
class SweepResult:
    due_soon: int = 0
    overdue: int = 0
    notices: int = 0


def clocks_sweep(*, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH) -> SweepResult:
    """Find the clocks that crossed their deadline or warning point and have not been notified, and notify.
    Each batch claims its clocks (row locks, SKIP LOCKED; the notified mark is set in the same transaction that
    writes the notices), so two sweeps at once, or a task retried after a worker died, never notify twice."""
    now = now or timezone.now()
    result = SweepResult()
    for phase in ("overdue", "due_soon"):
        while True:
            claimed, notices = _sweep_batch(phase=phase, now=now, batch_size=batch_size)
            setattr(result, phase, getattr(result, phase) + claimed)
            result.notices += notices
            if claimed < batch_size:
                break
    return result


def _sweep_batch(*, phase: str, now: dt.datetime, batch_size: int) -> tuple[int, int]:
    from notifications.services import notify_bulk

    pending = SlaClock.objects.filter(outcome=Outcome.RUNNING, paused_at__isnull=True)
    if phase == "overdue":
        pending = pending.filter(overdue_notified_at__isnull=True, due_at__lte=now - GRACE).order_by("due_at")
    else:
        # A clock already past its deadline gets the overdue notice only (the overdue phase runs first).
        pending = pending.filter(
            warn_notified_at__isnull=True, warn_at__lte=now, due_at__gt=now - GRACE
        ).order_by("warn_at")
    with transaction.atomic():
        ids = list(pending.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return 0, 0
        if phase == "overdue":
            SlaClock.objects.filter(pk__in=ids).update(
                overdue_notified_at=now, warn_notified_at=Coalesce("warn_notified_at", now)
            )
        else:
            SlaClock.objects.filter(pk__in=ids).update(warn_notified_at=now)
        clocks = list(
            SlaClock.objects.filter(pk__in=ids)
            .select_related("feedback__cs_owner", "feedback__quality_owner", "measure__owner")
            .order_by("id")
        )
        written = notify_bulk(ports.subject().deadline_notices(clocks, phase=phase), now=now)
    return len(ids), written
