"""The lifecycle of a feedback: the allowed moves, what each move does to the deadlines, and the one function that
changes a status (and carries out those effects)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import department_heads, users_with_role
from core.errors import DomainError
from core.versioning import lock_versioned, save_versioned
from notifications.declared import MoveNotice, move_notices_send
from sla import services as sla
from sla.models import ClockKind, SlaClock

from .models import CloseReason, Feedback, Severity, Status

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


def quality_recipients(feedbacks: Iterable) -> list[User]:
    """The quality engineers in charge of these feedbacks; every quality engineer when none is named yet."""
    owners = {f.quality_owner_id for f in feedbacks if f.quality_owner_id}
    if owners:
        return list(User.objects.filter(pk__in=owners, is_active=True))
    return list(users_with_role(Role.QUALITY_ENGINEER))


def _assignment_params(move) -> dict:
    return {
        "number": move.feedback.number,
        "departments": "、".join(str(a.department) for a in move.assignments),
        "lead": move.lead.name,
        "owners": "、".join(f"{a.department}: {a.owner}" for a in move.assignments),
        "description": move.feedback.description,
    }


def _url(move) -> str:
    return move.feedback.get_absolute_url()


_ASSIGNED_SUBJECT = gettext_lazy("%(number)s assigned to %(departments)s (lead: %(lead)s)")
_ASSIGNED_BODY = gettext_lazy("Owners: %(owners)s. Customer's words: %(description)s")
# (from, to) → the notices of the move, sent by ``feedback_transition`` after its effects (what the caller passes
# as ``notice`` is on the move: the assignments and the lead department of an assignment).
MOVE_NOTICES: dict[tuple[str, str], tuple[MoveNotice, ...]] = {
    (Status.VERIFIED, Status.ASSIGNED): (
        # the owners and heads of the responsible departments, with the CAPA form's deadline
        MoveNotice(
            kind="assignment",
            subject=_ASSIGNED_SUBJECT,
            body=_ASSIGNED_BODY,
            recipients=lambda m: (
                [a.owner for a in m.assignments] + department_heads(a.department_id for a in m.assignments)
            ),
            params=_assignment_params,
            url=_url,
            feedback=lambda m: m.feedback,
            urgent=lambda m: m.feedback.severity == Severity.URGENT,
            deadline=lambda m: m.clocks[ClockKind.CAPA_FORM].due_at,
        ),
        # management is copied
        MoveNotice(
            kind="assignment_copy",
            subject=_ASSIGNED_SUBJECT,
            body=_ASSIGNED_BODY,
            recipients=lambda m: users_with_role(Role.MANAGEMENT),
            params=_assignment_params,
            url=_url,
            feedback=lambda m: m.feedback,
        ),
    ),
}
# Grading is not a move of the status, but has its effects: graded Ⅲ (before the emergency response started)
# starts the 24-hour clock and alerts management and quality at once; graded down from Ⅲ before it, the clock stops.
GRADED_NOTICES: dict[str, tuple[MoveNotice, ...]] = {
    Severity.URGENT: (
        MoveNotice(
            kind="emergency",
            subject=gettext_lazy("Level Ⅲ (urgent): %(number)s %(model)s"),
            body=gettext_lazy("Customer's words: %(description)s"),
            recipients=lambda m: [*users_with_role(Role.MANAGEMENT), *quality_recipients([m.feedback])],
            params=lambda m: {
                "number": m.feedback.number,
                "model": str(m.feedback.product_model or ""),
                "description": m.feedback.description,
            },
            url=_url,
            feedback=lambda m: m.feedback,
            urgent=lambda m: True,
            dedup_key=lambda m: f"emergency:{m.feedback.pk}",
            deadline=lambda m: m.clock.due_at,
        ),
    ),
}


def feedback_graded_effects(feedback: Feedback, *, previous: str, actor, at: dt.datetime) -> None:
    """The effects of grading ``feedback`` (saved, locked by the caller) from ``previous`` to its severity."""
    if feedback.emergency_started_at:
        return
    if feedback.severity == Severity.URGENT:
        clock = sla.clock_start(feedback=feedback, kind=ClockKind.EMERGENCY, start=at)
        move_notices_send(GRADED_NOTICES[Severity.URGENT], feedback=feedback, actor=actor, clock=clock)
    elif previous == Severity.URGENT:
        sla.clock_stop(feedback=feedback, kind=ClockKind.EMERGENCY, at=at)


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
    notice: dict | None = None,
) -> Feedback:
    """Move a feedback to ``to_status``, applying ``changes`` (field → value) in the same save and history line,
    then the move's effects on the deadlines (``MOVE_EFFECTS``) at ``at`` (now); the clocks it started are on the
    returned feedback as ``started_clocks`` (kind → clock); then the move's notices (``MOVE_NOTICES``), which read
    ``notice`` (what only the caller knows) besides the feedback, the actor and the clocks. Callers check the actor's right to do this; this
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
    move_notices_send(
        MOVE_NOTICES.get((from_status, to_status), ()),
        feedback=locked,
        actor=actor,
        at=at,
        clocks=locked.started_clocks,
        **(notice or {}),
    )
    return locked


def feedback_save(
    feedback: Feedback,
    *,
    actor,
    reason: str = "",
    update_fields: list[str] | None = None,
    changes: dict | None = None,
) -> None:
    """Save with the version bumped and the history line attributed to ``actor`` with ``reason``; ``changes``
    (field → value) set and saved (``core.versioning.save_versioned``)."""
    save_versioned(
        feedback,
        actor=actor,
        reason=reason,
        update_fields=update_fields,
        also_update=("updated_at",),
        changes=changes,
    )
