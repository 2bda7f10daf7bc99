"""The claim both outboxes (e-mail, group-chat robots) send from: due rows taken with ``SELECT … FOR UPDATE SKIP
LOCKED`` and a lease committed before anything is sent, so two senders never take the same row; a row whose
sender died is taken again once its lease has run out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q, QuerySet


def claim_due(
    due: QuerySet,
    *,
    now: dt.datetime,
    batch_size: int,
    due_field: str,
    lease_field: str,
    lease: dt.timedelta,
    also_set: dict | None = None,
) -> list[int]:
    """The ids of at most ``batch_size`` rows of ``due`` (already filtered to what is due), oldest due first, now
    leased to the caller until ``now + lease`` (``also_set`` is written in the same UPDATE)."""
    with transaction.atomic():
        ids = list(
            due.filter(Q(**{f"{lease_field}__isnull": True}) | Q(**{f"{lease_field}__lt": now}))
            .order_by(due_field, "id")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:batch_size]
        )
        if ids:
            due.model.objects.filter(pk__in=ids).update(**{lease_field: now + lease, **(also_set or {})})
    return ids


def flush_in_batches(
    *, claim: Callable[[], list[int]], send: Callable[[list[int]], int], batch_size: int, max_batches: int
) -> int:
    """Claim and send batch after batch (at most ``max_batches``) until a batch comes back short; how many
    ``send`` says were delivered."""
    sent = 0
    for _ in range(max_batches):
        ids = claim()
        if not ids:
            break
        sent += send(ids)
        if len(ids) < batch_size:
            break
    return sent
