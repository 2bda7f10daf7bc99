"""Following the CAPA form (accepted, verified effective) and the three ways to close (step 11)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from corrective_actions.models import Capa, CapaStatus
from corrective_actions.selectors import OPEN_MEASURE_STATES
from feedback.models import (
    Callback,
    CloseReason,
    CommunicationLog,
    Feedback,
    Pause,
    Status,
    Verification,
)
from feedback.selectors import callback_of, feedback_visible_to, verification_of
from feedback.workflow import feedback_transition, lock_feedback

from ..contacts import feedback_mark_handled
from ..selectors import CAPA_MEASURES
from .rules import (
    _ensure,
    classification_missing,
    why_not_close,
)


# --- following the CAPA form ----------------------------------------------------------------------
def feedbacks_capa_accepted(*, capa: Capa, actor: User) -> None:
    """The CAPA form was accepted: the feedbacks it resolves are now “measures in progress”."""
    for feedback in Feedback.objects.filter(capa=capa, status=Status.ASSIGNED):
        feedback_transition(
            feedback=feedback,
            to_status=Status.IN_PROGRESS,
            actor=actor,
            reason=_("CAPA form %(capa)s accepted") % {"capa": capa.number},
        )


def feedbacks_capa_effective(*, capa: Capa, actor: User, at: dt.datetime) -> None:
    """The CAPA form was verified effective: the customer's problem is handled (the callback opens if it has not)
    and the feedbacks await closing."""
    feedbacks_capa_accepted(capa=capa, actor=actor)
    for feedback in Feedback.objects.filter(capa=capa, status=Status.IN_PROGRESS):
        feedback_mark_handled(feedback=feedback, actor=actor, at=at)
        feedback_transition(
            feedback=feedback,
            to_status=Status.PENDING_CLOSE,
            actor=actor,
            reason=_("CAPA form %(capa)s verified effective") % {"capa": capa.number},
        )


# --- closing --------------------------------------------------------------------------------------
def steps_missing_before_capa(feedback: Feedback) -> list[str]:
    """The lifecycle steps before the CAPA form that a feedback has not been through, in their order
    (registration, verification, classification, fault phenomenon, grading, assignment)."""
    problems: list[str] = []
    if feedback.status == Status.DRAFT:
        problems.append(_("The registration is not complete yet."))
    verification = verification_of(feedback)
    if verification is None:
        problems.append(_("The verification has not been recorded."))
    elif verification.verdict != Verification.Verdict.CONFIRMED:
        problems.append(_("The verification did not confirm the problem: close it as not confirmed instead."))
    not_yet = {
        "category": _("The feedback is not classified yet (category and fault phenomenon)."),
        "fault_phenomenon": _("No fault phenomenon is chosen yet."),
        "severity": _("The feedback is not graded yet."),
    }
    problems += [not_yet[step] for step in classification_missing(feedback)]
    if not feedback.assignments.all():
        problems.append(_("No responsible department is assigned yet."))
    return problems


def close_resolved_problems(feedback: Feedback) -> list[str]:
    """DOMAIN step 11: what keeps the feedback from being closed as resolved, each reason named. Reads the CAPA
    form's measures and the callback's attempts through the feedback (no query when they came with it)."""
    prefetch_related_objects([feedback], CAPA_MEASURES)
    problems = steps_missing_before_capa(feedback)
    capa = feedback.capa
    if capa is None:
        problems.append(_("No CAPA form resolves this feedback."))
    else:
        open_measures = sorted(
            (m for m in capa.measures.all() if m.state in OPEN_MEASURE_STATES), key=lambda m: m.pk
        )
        if open_measures:
            problems.append(
                _("Measures still open on %(capa)s: %(measures)s.")
                % {"capa": capa.number, "measures": "; ".join(f"“{m}” ({m.owner})" for m in open_measures)}
            )
        if capa.status != CapaStatus.EFFECTIVE:
            problems.append(
                _("The CAPA form %(capa)s is not verified effective (it is “%(status)s”).")
                % {"capa": capa.number, "status": capa.get_status_display()}
            )
    callback = callback_of(feedback)
    if callback is None:
        problems.append(
            _("The satisfaction callback has not been made: the customer's problem is not handled yet.")
        )
    elif callback.state == Callback.State.OPEN:
        problems.append(
            _("The satisfaction callback is not recorded yet (%(n)s attempts so far).")
            % {"n": len(callback.attempts.all())}
        )
    return problems


def _refuse(feedback: Feedback, problems: list[str], refusal: str) -> None:
    """Refuse to close with every unmet condition named: ``refusal`` % the number and the ``problems``."""
    if problems:
        raise DomainError(refusal % {"number": feedback.number, "problems": " ".join(problems)})


def _reason_missing(note: str) -> list[str]:
    return [] if note else [_("Give the reason for closing.")]


def _close(feedback: Feedback, *, actor: User, reason: str, note: str, history: str, **changes) -> Feedback:
    """Close, ending an open waiting period; whatever still runs on the record stops (met or missed for good)."""
    now = timezone.now()
    Pause.objects.filter(feedback=feedback, ended_at__isnull=True).update(ended_at=now, ended_by=actor)
    closed = feedback_transition(
        feedback=feedback,
        to_status=Status.CLOSED,
        actor=actor,
        reason=history,
        changes={
            "close_reason": reason,
            "close_note": note,
            "closed_at": now,
            "closed_by": actor,
            "waiting_reason": "",
            **changes,
        },
        at=now,
    )
    return closed


@transaction.atomic
def feedback_close_resolved(
    *, feedback: Feedback, actor: User, expected_version: int, note: str = ""
) -> Feedback:
    """结案: only when the satisfaction callback is recorded (reached or unreachable) and the CAPA form is verified
    effective with no measure open. Refused with every unmet reason named."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    if not actor.has_perm("feedback.close_feedback"):
        raise DomainError(_("Only a quality engineer closes a feedback."))
    _refuse(locked, close_resolved_problems(locked), _("%(number)s cannot be closed yet: %(problems)s"))
    _ensure(why_not_close(actor, locked, CloseReason.RESOLVED))
    return _close(
        locked, actor=actor, reason=CloseReason.RESOLVED, note=(note or "").strip(), history=_("Closed")
    )


def not_confirmed_problems(feedback: Feedback) -> list[str]:
    problems = []
    verification = verification_of(feedback)
    if verification is None:
        problems.append(_("The verification has not been recorded."))
        return problems
    if verification.verdict == Verification.Verdict.CONFIRMED:
        problems.append(_("The verification confirmed the problem: it cannot be closed as not confirmed."))
    told = CommunicationLog.objects.filter(
        feedback=feedback, kind=CommunicationLog.Kind.OUTCOME, contacted_at__gte=verification.verified_at
    ).exists()
    if not told:
        problems.append(
            _("Customer service has not logged telling the customer the outcome of the verification.")
        )
    return problems


@transaction.atomic
def feedback_close_not_confirmed(
    *, feedback: Feedback, actor: User, expected_version: int, note: str
) -> Feedback:
    """A feedback whose verification did not confirm the problem closes with a reason, once customer service has
    logged telling the customer."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    _ensure(why_not_close(actor, locked, CloseReason.NOT_CONFIRMED))
    note = (note or "").strip()
    _refuse(
        locked,
        [*not_confirmed_problems(locked), *_reason_missing(note)],
        _("%(number)s cannot be closed as not confirmed: %(problems)s"),
    )
    return _close(
        locked,
        actor=actor,
        reason=CloseReason.NOT_CONFIRMED,
        note=note,
        history=_("Closed as not confirmed: %(note)s") % {"note": note},
    )


@transaction.atomic
def feedback_close_duplicate(
    *, feedback: Feedback, actor: User, expected_version: int, original_number: str, note: str
) -> Feedback:
    """A duplicate closes with a link to the original: another feedback the actor can see, not voided."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    _ensure(why_not_close(actor, locked, CloseReason.DUPLICATE))
    if locked.capa_id:
        raise DomainError(
            _("%(number)s is covered by the CAPA form %(capa)s: it is not closed as a duplicate.")
            % {"number": locked.number, "capa": locked.capa}
        )
    number = (original_number or "").strip().upper()
    original = feedback_visible_to(actor).filter(number=number).first() if number else None
    problems = []
    if original is None:
        problems.append(_("There is no feedback %(number)s that you can see.") % {"number": number or "—"})
    elif original.pk == locked.pk:
        problems.append(_("A feedback cannot duplicate itself."))
    elif original.status in (Status.VOIDED, Status.DRAFT):
        problems.append(
            _("%(number)s is “%(status)s”: link to a live feedback.")
            % {"number": original.number, "status": original.get_status_display()}
        )
    elif original.close_reason == CloseReason.DUPLICATE and original.duplicate_of_id:
        problems.append(
            _("%(number)s is itself a duplicate of %(original)s: link to %(original)s.")
            % {"number": original.number, "original": original.duplicate_of}
        )
    note = (note or "").strip()
    _refuse(
        locked,
        [*problems, *_reason_missing(note)],
        _("%(number)s cannot be closed as a duplicate: %(problems)s"),
    )
    return _close(
        locked,
        actor=actor,
        reason=CloseReason.DUPLICATE,
        note=note,
        history=_("Closed as a duplicate of %(original)s: %(note)s")
        % {"original": original.number, "note": note},
        duplicate_of=original,
    )
