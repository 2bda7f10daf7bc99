"""Executing the form (measure progress and completion), its effect verification, and linking more feedbacks
with the same root cause."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from feedback.models import Assignment, Feedback, Status
from feedback.services import raise_field_errors
from feedback.workflow import feedback_save, lock_feedback
from sla import services as sla
from sla.models import ClockKind

from .. import ports, rules
from ..models import (
    Capa,
    CapaStatus,
    EffectVerification,
    Measure,
)
from ._common import (
    _capa_move,
    _end_of_day,
    _ensure,
    _linked_feedbacks,
    _measure_save,
    capa_lock,
    measure_lock,
    measure_move,
)
from .evidence import capa_attachment_add


# --- execution ------------------------------------------------------------------------------------
@transaction.atomic
def measure_progress(
    *,
    measure: Measure,
    actor: User,
    expected_version: int,
    progress_note: str = "",
    complete: bool = False,
    completed_date: dt.date | None = None,
    uploads: Iterable[File] = (),
) -> Measure:
    """The owner records progress (a note, evidence) or the completion (with its date) of a measure."""
    locked = measure_lock(measure, expected_version=expected_version)
    capa = locked.capa
    _ensure(rules.why_not_update_measure(actor, locked))
    now = timezone.now()
    today = timezone.localdate(now)
    note = (progress_note or "").strip()
    uploads = list(uploads)
    fields = []
    to_state = None
    if complete:
        if completed_date is None:
            raise DomainError(
                _("Give the date the measure was completed."),
                field_errors={"completed_date": [_("Give the date the measure was completed.")]},
            )
        if completed_date > today:
            raise DomainError(
                _("The completion date %(date)s is in the future.") % {"date": completed_date},
                field_errors={"completed_date": [_("The completion date cannot be in the future.")]},
            )
        to_state = Measure.State.COMPLETED
        locked.completed_date = completed_date
        fields.append("completed_date")
    elif not note and not uploads:
        raise DomainError(_("Write a progress note, attach evidence or record the completion."))
    elif locked.state == Measure.State.PLANNED:
        to_state = Measure.State.IN_PROGRESS
    if note:
        stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
        entry = f"[{stamp} {actor}] {note}"
        locked.progress_note = f"{locked.progress_note}\n{entry}".strip() if locked.progress_note else entry
        fields.append("progress_note")
    for upload in uploads:
        capa_attachment_add(capa=capa, actor=actor, upload=upload, measure=locked)
    reason = _("Completed") if complete else _("Progress recorded")
    if to_state is not None:
        measure_move(
            locked,
            to_state=to_state,
            actor=actor,
            reason=reason,
            at=now,
            changes={field: getattr(locked, field) for field in fields},
            clock_at=min(now, _end_of_day(completed_date)) if complete else None,
        )
    elif fields:
        _measure_save(locked, actor=actor, reason=reason, update_fields=fields)
    if complete:
        _after_measure_change(capa, actor=actor, at=now)
    return locked


def _live_measures(capa: Capa) -> list[tuple[str, str]]:
    """(kind, state) of each measure that is not withdrawn."""
    return list(capa.measures.exclude(state=Measure.State.WITHDRAWN).values_list("kind", "state"))


def short_term_done(capa: Capa, live: list[tuple[str, str]] | None = None) -> bool:
    """The customer's problem is handled once every short-term measure (there is at least one) is completed."""
    states = [
        state
        for kind, state in (_live_measures(capa) if live is None else live)
        if kind == Measure.Kind.SHORT_TERM
    ]
    return bool(states) and all(s == Measure.State.COMPLETED for s in states)


def _after_measure_change(capa: Capa, *, actor: User, at: dt.datetime) -> None:
    """After a measure is completed or withdrawn: the customer's problem may now be handled, and when every
    measure is done the form awaits effect verification (its clock starts)."""
    feedbacks = _linked_feedbacks(capa)
    live = _live_measures(capa)
    if short_term_done(capa, live):
        for feedback in feedbacks:
            if feedback.handled_at is None:  # handled once, for good
                ports.linked_feedbacks().problem_handled(feedback=feedback, actor=actor, at=at)
    if (
        capa.status != CapaStatus.IN_PROGRESS
        or not live
        or any(state != Measure.State.COMPLETED for _kind, state in live)
    ):
        return
    _capa_move(
        capa,
        to_status=CapaStatus.PENDING_VERIFICATION,
        actor=actor,
        reason=_("Every measure implemented (round %(round)s)") % {"round": capa.round},
        at=at,
        feedbacks=feedbacks,
        changes={"implemented_at": at},
    )


# --- effect verification --------------------------------------------------------------------------
@transaction.atomic
def effect_verification_record(
    *,
    capa: Capa,
    actor: User,
    expected_version: int,
    method: str,
    result: str,
    note: str,
    uploads: Iterable[File] = (),
) -> EffectVerification:
    """有效 closes the loop (the feedbacks await closing); 无效 / 需进一步优化 sends the form back to the lead
    department for the next round of measures. Every round's verification stays on the form."""
    locked = capa_lock(capa, expected_version=expected_version)
    _ensure(rules.why_not_verify_effect(actor, locked))
    note = (note or "").strip()
    errors = {}
    if method not in EffectVerification.Method.values:
        errors["method"] = [_("Choose how the effect was verified.")]
    if result not in EffectVerification.Result.values:
        errors["result"] = [_("Choose the result.")]
    if not note:
        errors["note"] = [_("Describe what was checked and what was found.")]
    raise_field_errors(errors)
    now = timezone.now()
    verification = EffectVerification(
        capa=locked,
        round=locked.round,
        method=method,
        result=result,
        note=note,
        verified_by=actor,
        verified_at=now,
    )
    verification.full_clean()
    verification.save()
    for upload in uploads:
        capa_attachment_add(capa=locked, actor=actor, upload=upload, effect_verification=verification)
    feedbacks = _linked_feedbacks(locked)
    if result == EffectVerification.Result.EFFECTIVE:
        _capa_move(
            locked,
            to_status=CapaStatus.EFFECTIVE,
            actor=actor,
            reason=_("Verified effective (round %(round)s)") % {"round": locked.round},
            at=now,
            feedbacks=feedbacks,
            changes={"verified_effective_at": now},
        )
        ports.linked_feedbacks().capa_effective(capa=locked, actor=actor, at=now)
        return verification
    _capa_move(
        locked,
        to_status=CapaStatus.RETURNED,
        actor=actor,
        reason=_("%(result)s (round %(round)s): a new round of measures is needed")
        % {"result": verification.get_result_display(), "round": locked.round},
        at=now,
        feedbacks=feedbacks,
        changes={
            "round": locked.round + 1,
            "implemented_at": None,
            "accepted_at": None,
            "submitted_at": None,
        },
        notice={"verification": verification},
    )
    return verification


# --- several feedbacks, one root cause ------------------------------------------------------------
@transaction.atomic
def capa_link_feedback(
    *, capa: Capa, feedback: Feedback, actor: User, expected_version: int | None = None
) -> Feedback:
    """A quality engineer attaches a feedback with the same root cause to an existing CAPA form. The feedback must
    be assigned (awaiting its CAPA form), with the form's lead department among its responsible departments; it
    then follows the form: its CAPA-form clock stops once the form is submitted, it is in progress once the form is
    accepted, and awaits closing once the form is verified effective."""
    locked_capa = capa_lock(capa)
    _ensure(rules.why_not_link(actor, locked_capa))
    locked = lock_feedback(feedback, expected_version=expected_version)
    if locked.capa_id:
        if locked.capa_id == locked_capa.pk:
            raise DomainError(
                _("%(number)s is already covered by %(capa)s.") % {"number": locked.number, "capa": capa}
            )
        raise DomainError(
            _("%(number)s is already covered by another CAPA form (%(capa)s).")
            % {"number": locked.number, "capa": locked.capa}
        )
    if locked.status != Status.ASSIGNED:
        raise DomainError(
            _(
                "%(number)s is “%(status)s”: only a feedback that has been assigned and awaits its CAPA form can be "
                "linked."
            )
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    if not Assignment.objects.filter(feedback=locked, department_id=locked_capa.lead_department_id).exists():
        raise DomainError(
            _(
                "Assign %(number)s to %(department)s first: the lead department of %(capa)s must be responsible for it."
            )
            % {"number": locked.number, "department": locked_capa.lead_department, "capa": locked_capa.number}
        )
    now = timezone.now()
    feedback_save(
        locked,
        actor=actor,
        reason=_("Linked to CAPA form %(capa)s (same root cause)") % {"capa": locked_capa.number},
        changes={"capa": locked_capa},
    )
    if locked_capa.status not in rules.PLANNING_STATUSES:
        sla.clock_stop(feedback=locked, kind=ClockKind.CAPA_FORM, at=now)
    loop = ports.linked_feedbacks()
    if locked_capa.round > 1 or locked_capa.status in (
        CapaStatus.IN_PROGRESS,
        CapaStatus.PENDING_VERIFICATION,
        CapaStatus.EFFECTIVE,
    ):
        loop.capa_accepted(capa=locked_capa, actor=actor)
    if locked_capa.status == CapaStatus.PENDING_VERIFICATION:
        sla.clock_start(feedback=locked, kind=ClockKind.EFFECT_VERIFICATION, start=now)
    if locked_capa.status == CapaStatus.EFFECTIVE:
        loop.capa_effective(capa=locked_capa, actor=actor, at=now)
    elif short_term_done(locked_capa):
        loop.problem_handled(feedback=locked, actor=actor, at=now)
    locked.refresh_from_db()
    return locked
