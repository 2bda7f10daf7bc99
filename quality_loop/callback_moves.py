"""The satisfaction callback's moves (DOMAIN.md step 10): opened once the customer's problem is handled (its
deadline starts, customer service is told), then open → done (the customer was reached) or unreachable (three
failed attempts over three working days), each stopping the callback deadline at the moment it closed.
``callback_open`` and ``callback_move`` are the only functions that change a callback's state."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from core.errors import DomainError
from feedback.models import Callback, Satisfaction
from feedback.workflow import quality_recipients
from notifications.declared import MoveNotice, move_notices_send
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

# What a move tells whom; the move carries the ``callback``, its ``feedback`` and the ``actor``.
CALLBACK_NOTICES: dict[str, tuple[MoveNotice, ...]] = {
    # opened: the customer service owner makes the callback
    Callback.State.OPEN: (
        MoveNotice(
            kind="callback_due",
            subject=gettext_lazy(
                "%(number)s: the customer's problem is handled, make the satisfaction callback"
            ),
            body=gettext_lazy("Call %(customer)s (%(phone)s) within the callback deadline."),
            recipients=lambda m: [m.feedback.cs_owner],
            params=lambda m: {
                "number": m.feedback.number,
                "customer": m.feedback.customer_name,
                "phone": m.feedback.contact_phone or "—",
            },
            url=lambda m: m.feedback.get_absolute_url(),
            feedback=lambda m: m.feedback,
            exclude_actor=False,
        ),
    ),
    # done: an unsatisfied customer alerts quality
    Callback.State.DONE: (
        MoveNotice(
            kind="unsatisfied",
            subject=gettext_lazy("%(number)s: the customer is unsatisfied"),
            body=gettext_lazy("Satisfaction callback: %(comment)s"),
            when=lambda m: m.callback.satisfaction == Satisfaction.UNSATISFIED,
            recipients=lambda m: quality_recipients([m.feedback]),
            params=lambda m: {"number": m.feedback.number, "comment": m.callback.comment or "—"},
            url=lambda m: m.feedback.get_absolute_url(),
            feedback=lambda m: m.feedback,
            dedup_key=lambda m: f"unsatisfied:{m.callback.pk}",
        ),
    ),
}


def callback_open(*, feedback, actor, at: dt.datetime) -> Callback:
    """Open the callback of ``feedback`` (locked by the caller) at ``at``: its deadline starts, customer service is
    told."""
    callback, _created = Callback.objects.get_or_create(feedback=feedback, defaults={"opened_at": at})
    sla.clock_start(feedback=feedback, kind=ClockKind.CALLBACK, start=at)
    move_notices_send(
        CALLBACK_NOTICES[Callback.State.OPEN], callback=callback, feedback=feedback, actor=actor
    )
    return callback


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
    move_notices_send(CALLBACK_NOTICES.get(to_state, ()), callback=callback, feedback=feedback, actor=actor)
    return callback
