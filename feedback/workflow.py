"""The lifecycle of a feedback: the allowed moves, what each move does to the deadlines, and the one function that
changes a status (and carries out those effects)."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.versioning import lock_versioned, save_versioned
from sla import services as sla
from sla.models import ClockKind, SlaClock

from .models import CloseReason, Feedback, Status

ALLOWED_MOVES: dict[str, frozenset[str]] = {
    # registration completes (feedback.services)
    Status.DRAFT: frozenset({Status.REGISTERED, Status.VOIDED}),
    # verification recorded → VERIFIED; closed as a duplicate
    Status.REGISTERED: frozenset({Status.VERIFIED, Status.CLOSED, Status.VOIDED}),
    # departments assigned → ASSIGNED; closed as not confirmed or as a duplicate
    Status.VERIFIED: frozenset({Status.ASSIGNED, Status.CLOSED, Status.VOIDED}),
    # its CAPA form accepted → IN_PROGRESS; closed as a duplicate (before a CAPA form covers it)
    Status.ASSIGNED: frozenset({Status.IN_PROGRESS, Status.CLOSED, Status.VOIDED}),
    # its CAPA form verified effective → PENDING_CLOSE
    Status.IN_PROGRESS: frozenset({Status.PENDING_CLOSE, Status.VOIDED}),
    # callback recorded and CAPA effective → CLOSED (quality_loop.lifecycle.feedback_close_resolved checks)
    Status.PENDING_CLOSE: frozenset({Status.CLOSED, Status.VOIDED}),
    Status.CLOSED: frozenset({Status.VOIDED}),
    Status.VOIDED: frozenset(),
}
# The statuses a feedback may be closed from, per close reason (quality_loop.lifecycle applies the other conditions).
CLOSE_FROM: dict[str, frozenset[str]] = {
    CloseReason.RESOLVED: frozenset({Status.PENDING_CLOSE}),
    CloseReason.NOT_CONFIRMED: frozenset({Status.VERIFIED}),
    CloseReason.DUPLICATE: frozenset({Status.REGISTERED, Status.VERIFIED, Status.ASSIGNED}),
}


@dataclass(frozen=True)
class MoveEffects:
    """What a move does to the feedback's deadlines (DOMAIN.md "Deadlines"): clocks stopped (met or missed), every
    running clock stopped or cancelled (neither met nor missed), clocks started at the moment of the move."""

    stop: tuple[str, ...] = ()
    start: tuple[str, ...] = ()
    stop_all: bool = False
    cancel_all: bool = False


ANY = "*"
# (from, to) → effects; (ANY, to) applies to every move into ``to``. A move not listed moves no clock (the CAPA
# form's and the measures' clocks follow the form: corrective_actions).
MOVE_EFFECTS: dict[tuple[str, str], MoveEffects] = {
    # registration completed: its deadline met or missed; verification's deadline starts
    (Status.DRAFT, Status.REGISTERED): MoveEffects(
        stop=(ClockKind.REGISTRATION,), start=(ClockKind.VERIFICATION,)
    ),
    # the first verification recorded
    (Status.REGISTERED, Status.VERIFIED): MoveEffects(stop=(ClockKind.VERIFICATION,)),
    # departments assigned: the lead department's time to its CAPA form starts
    (Status.VERIFIED, Status.ASSIGNED): MoveEffects(start=(ClockKind.CAPA_FORM,)),
    # closed, however: whatever still runs stops, met or missed for good
    (ANY, Status.CLOSED): MoveEffects(stop_all=True),
    # voided: nothing of it counts, neither met nor missed
    (ANY, Status.VOIDED): MoveEffects(cancel_all=True),
}


def effects_of(from_status: str, to_status: str) -> MoveEffects:
    return MOVE_EFFECTS.get((from_status, to_status)) or MOVE_EFFECTS.get((ANY, to_status)) or MoveEffects()


def move_effects_apply(
    feedback: Feedback, *, from_status: str, to_status: str, at: dt.datetime
) -> dict[str, SlaClock]:
    """Carry out the effects of the move ``from_status`` → ``to_status`` at ``at``; the clocks started, by kind.
    Called by ``feedback_transition``, and by registration for a feedback registered complete at once."""
    effects = effects_of(from_status, to_status)
    for kind in effects.stop:
        sla.clock_stop(feedback=feedback, kind=kind, at=at)
    if effects.stop_all or effects.cancel_all:
        sla.clock_stop_all(feedback=feedback, at=at, cancel=effects.cancel_all)
    return {kind: sla.clock_start(feedback=feedback, kind=kind, start=at) for kind in effects.start}


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_MOVES.get(from_status, frozenset())


def lock_feedback(feedback: Feedback, *, expected_version: int | None = None) -> Feedback:
    """Re-read the feedback under a row lock; refuse a form opened on an older version."""
    return lock_versioned(
        Feedback.objects.select_for_update(),
        feedback.pk,
        expected_version=expected_version,
        stale_message=lambda locked: (
            _("%(number)s was changed by someone else after you opened it. Reload the page and try again.")
            % {"number": locked.number}
        ),
    )


@transaction.atomic
def feedback_transition(
    *,
    feedback: Feedback,
    to_status: str,
    actor,
    expected_version: int | None = None,
    reason: str = "",
    changes: dict | None = None,
    at: dt.datetime | None = None,
) -> Feedback:
    """Move a feedback to ``to_status``, applying ``changes`` (field → value) in the same save and history line,
    then the move's effects on the deadlines (``MOVE_EFFECTS``) at ``at`` (now); the clocks it started are on the
    returned feedback as ``started_clocks`` (kind → clock). Callers check the actor's right to do this; this
    function checks the move itself and staleness."""
    at = at or timezone.now()
    locked = lock_feedback(feedback, expected_version=expected_version)
    from_status = locked.status
    if not can_move(locked.status, to_status):
        raise DomainError(
            _("A feedback that is “%(current)s” cannot become “%(target)s”.")
            % {"current": locked.get_status_display(), "target": Status(to_status).label}
        )
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.status = to_status
    if to_status == Status.CLOSED and locked.closed_at is None:
        locked.closed_at = at
    feedback_save(locked, actor=actor, reason=reason)
    locked.started_clocks = move_effects_apply(locked, from_status=from_status, to_status=to_status, at=at)
    return locked


def feedback_save(
    feedback: Feedback, *, actor, reason: str = "", update_fields: list[str] | None = None
) -> None:
    """Save with the version bumped and the history line attributed to ``actor`` with ``reason``."""
    save_versioned(
        feedback, actor=actor, reason=reason, update_fields=update_fields, also_update=("updated_at",)
    )
