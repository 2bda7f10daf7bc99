"""Locking and saving a CAPA form and its measures, and what the steps of a form share."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError, refuse_if
from core.versioning import lock_versioned, save_versioned
from feedback.models import Feedback, Status
from notifications.declared import move_notices_send
from sla import services as sla
from sla.models import ClockKind

from .. import rules
from ..models import (
    Capa,
    CapaStatus,
    Measure,
)

CAPA_NUMBER_PREFIX = "CA"


_ensure = refuse_if


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


# --- locking and saving ---------------------------------------------------------------------------
# ``of`` keeps the lock on the rows written: without it the joined rows (the lead department, the measure's owner)
# would be locked as well, holding up unrelated work on them until the transaction ends.
def capa_lock(capa: Capa, *, expected_version: int | None = None) -> Capa:
    return lock_versioned(
        Capa.objects.select_for_update(of=("self",)).select_related("lead_department"),
        capa.pk,
        expected_version=expected_version,
        stale_message=lambda locked: (
            _("%(number)s was changed by someone else after you opened it. Reload the page and try again.")
            % {"number": locked.number}
        ),
    )


def measure_lock(measure: Measure, *, expected_version: int | None = None) -> Measure:
    """The measure and its CAPA form, both locked (one statement)."""
    return lock_versioned(
        Measure.objects.select_for_update(of=("self", "capa")).select_related(
            "capa__lead_department", "owner"
        ),
        measure.pk,
        expected_version=expected_version,
        stale_message=lambda locked: (
            _("The measure “%(measure)s” was changed by someone else after you opened it. Reload the page.")
            % {"measure": locked}
        ),
    )


def _capa_save(capa: Capa, *, actor: User, reason: str = "", **save) -> None:
    """``save``: ``update_fields``, ``changes`` (``core.versioning.save_versioned``)."""
    save_versioned(
        capa,
        actor=actor,
        reason=reason,
        clean_exclude=["created_by", "lead_department", "opened_for"],
        **save,
    )


def _measure_save(measure: Measure, *, actor: User, reason: str = "", **save) -> None:
    save_versioned(
        measure,
        actor=actor,
        reason=reason,
        clean_exclude=["capa", "owner", "created_by", "department", "withdrawn_by"],
        **save,
    )


def _capa_move(
    capa: Capa,
    *,
    to_status: str,
    actor: User,
    reason: str,
    at: dt.datetime,
    feedbacks: list[Feedback] | None = None,
    changes: dict | None = None,
    notice: dict | None = None,
) -> Capa:
    """The one function that changes a form's status (``rules.CAPA_MOVES``), ``capa`` locked by the caller:
    ``changes`` saved with the status in one history line; then the move's effects at ``at`` on the deadlines of
    the linked ``feedbacks`` (``rules.CAPA_MOVE_EFFECTS``) and its notices (``rules.CAPA_MOVE_NOTICES``, which read
    the feedbacks and ``notice``: what the step adds)."""
    from_status = capa.status
    if to_status not in rules.CAPA_MOVES.get(capa.status, frozenset()):
        raise DomainError(
            _("A CAPA form that is “%(current)s” cannot become “%(target)s”.")
            % {"current": CapaStatus(capa.status).label, "target": CapaStatus(to_status).label}
        )
    _capa_save(capa, actor=actor, reason=reason, changes={**(changes or {}), "status": to_status})
    feedbacks = feedbacks or []
    effects = rules.CAPA_MOVE_EFFECTS.get((from_status, to_status))
    for feedback in feedbacks if effects else ():
        for kind in effects.stop:
            sla.clock_stop(feedback=feedback, kind=kind, at=at)
        for kind in effects.start:
            sla.clock_start(feedback=feedback, kind=kind, start=at)
    move_notices_send(
        rules.CAPA_MOVE_NOTICES.get((from_status, to_status), ()),
        capa=capa,
        actor=actor,
        feedbacks=feedbacks,
        **(notice or {}),
    )
    return capa


def _linked_feedbacks(capa: Capa) -> list[Feedback]:
    return list(Feedback.objects.filter(capa=capa).exclude(status=Status.VOIDED).order_by("id"))


def _clock_feedback(capa: Capa) -> Feedback | None:
    """The feedback the CAPA's own clocks (one per measure) hang on: the one the form was opened for."""
    if capa.opened_for_id:
        return capa.opened_for
    return Feedback.objects.filter(capa=capa).order_by("id").first()


def measure_move(
    measure: Measure,
    *,
    to_state: str,
    actor: User,
    reason: str,
    at: dt.datetime,
    changes: dict | None = None,
    clock_at: dt.datetime | None = None,
) -> Measure:
    """The one function that changes a measure's state (``rules.MEASURE_MOVES``), ``measure`` locked by the caller:
    ``changes`` saved with the state in one history line; a final state stops the measure's deadline at
    ``clock_at`` (``at`` by default)."""
    if to_state not in rules.MEASURE_MOVES.get(measure.state, frozenset()):
        raise DomainError(
            _("A measure that is “%(current)s” cannot become “%(target)s”.")
            % {"current": Measure.State(measure.state).label, "target": Measure.State(to_state).label}
        )
    _measure_save(measure, actor=actor, reason=reason, changes={**(changes or {}), "state": to_state})
    if to_state in rules.MEASURE_MOVE_STOPS_CLOCK:
        clock_feedback = _clock_feedback(measure.capa)
        if clock_feedback is not None:
            sla.clock_stop(
                feedback=clock_feedback, kind=ClockKind.MEASURE, at=clock_at or at, measure=measure
            )
    return measure
