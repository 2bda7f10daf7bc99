"""The lifecycle of a feedback: the allowed moves, and the one function that changes a status."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.versioning import lock_versioned, save_versioned

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
    # callback recorded and CAPA effective → CLOSED (feedback.lifecycle.feedback_close_resolved checks)
    Status.PENDING_CLOSE: frozenset({Status.CLOSED, Status.VOIDED}),
    Status.CLOSED: frozenset({Status.VOIDED}),
    Status.VOIDED: frozenset(),
}
# The statuses a feedback may be closed from, per close reason (feedback.lifecycle applies the other conditions).
CLOSE_FROM: dict[str, frozenset[str]] = {
    CloseReason.RESOLVED: frozenset({Status.PENDING_CLOSE}),
    CloseReason.NOT_CONFIRMED: frozenset({Status.VERIFIED}),
    CloseReason.DUPLICATE: frozenset({Status.REGISTERED, Status.VERIFIED, Status.ASSIGNED}),
}


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
) -> Feedback:
    """Move a feedback to ``to_status``, applying ``changes`` (field → value) in the same save and history line.
    Callers check the actor's right to do this; this function checks the move itself and staleness."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    if not can_move(locked.status, to_status):
        raise DomainError(
            _("A feedback that is “%(current)s” cannot become “%(target)s”.")
            % {"current": locked.get_status_display(), "target": Status(to_status).label}
        )
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.status = to_status
    if to_status == Status.CLOSED and locked.closed_at is None:
        locked.closed_at = timezone.now()
    feedback_save(locked, actor=actor, reason=reason)
    return locked


def feedback_save(
    feedback: Feedback, *, actor, reason: str = "", update_fields: list[str] | None = None
) -> None:
    """Save with the version bumped and the history line attributed to ``actor`` with ``reason``."""
    save_versioned(
        feedback, actor=actor, reason=reason, update_fields=update_fields, also_update=("updated_at",)
    )
