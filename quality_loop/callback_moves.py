"""The satisfaction callback's moves (DOMAIN.md step 10): open → done (the customer was reached) or unreachable
(three failed attempts over three working days), each stopping the callback deadline at the moment it closed.
``callback_move`` is the one function that changes a callback's state."""

from __future__ import annotations

import datetime as dt

from core.errors import DomainError
from feedback.models import Callback
from sla import services as sla
from sla.models import ClockKind

CALLBACK_MOVES: dict[str, frozenset[str]] = {
    Callback.State.OPEN: frozenset({Callback.State.DONE, Callback.State.UNREACHABLE}),
    Callback.State.DONE: frozenset(),
    Callback.State.UNREACHABLE: frozenset(),
}
# What a move does to the deadlines: every way out of "open" stops the callback clock at the closing moment.
CALLBACK_MOVE_STOPS: dict[str, tuple[str, ...]] = {
    Callback.State.DONE: (ClockKind.CALLBACK,),
    Callback.State.UNREACHABLE: (ClockKind.CALLBACK,),
}


def callback_move(
    *, callback: Callback, feedback, to_state: str, actor, at: dt.datetime, changes: dict
) -> Callback:
    """Close ``callback`` (locked by the caller, with its feedback) as ``to_state`` at ``at``, applying ``changes``
    in the same save, then the move's effects."""
    if to_state not in CALLBACK_MOVES.get(callback.state, frozenset()):
        raise DomainError(f"callback {callback.pk}: {callback.state} → {to_state} is not a move")
    for field, value in changes.items():
        setattr(callback, field, value)
    callback.state = to_state
    callback.closed_at = at
    callback.closed_by = actor
    callback._history_user = actor
    callback.save(update_fields=["state", "closed_at", "closed_by", *changes])
    for kind in CALLBACK_MOVE_STOPS.get(to_state, ()):
        sla.clock_stop(feedback=feedback, kind=kind, at=at)
    return callback
