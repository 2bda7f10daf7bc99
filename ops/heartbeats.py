"""Heartbeats: written by beat (as it sends ``ops.tasks.heartbeat``, every OPS_HEARTBEAT_SECONDS) and by the
worker (as it runs it); one row each, updated in place."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(name: str, *, detail: str = "", at: dt.datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": at or timezone.now(), "detail": detail[:200]}
    )


def heartbeat_ages(now: dt.datetime | None = None) -> dict[str, float | None]:
    """Seconds since each heartbeat (None: never seen)."""
    now = now or timezone.now()
    seen = dict(Heartbeat.objects.values_list("name", "at"))
    return {
        name: (now - seen[name]).total_seconds() if name in seen else None
        for name in (Heartbeat.BEAT, Heartbeat.WORKER)
    }
