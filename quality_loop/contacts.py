"""Talking to the customer: the communication log and the satisfaction callback (满意度回访).

When is the customer's problem "handled"? At the first of these moments:
  (a) every short-term measure (短期措施: repair, replacement, recall, compensation — at least one, withdrawn ones
      not counted) of the CAPA form that resolves the feedback is completed: what the customer was promised has
      been done for them;
  (b) that CAPA form is verified effective (covers a form with only long-term measures).
At that moment ``feedback_mark_handled`` records ``Feedback.handled_at``, opens the callback, starts the callback
clock and tells the customer service owner. A callback attempt before that is refused, naming why.

A callback is done on the attempt that reaches the customer (the satisfaction is recorded on that attempt:
满意 / 基本满意 / 不满意 — 不满意 alerts quality). After at least three failed attempts (no answer, call back
later) made on at least three different working days, customer service may close it as unreachable; the
attempts are the evidence. Either way the callback clock stops and closing as resolved becomes possible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError, refuse_if
from feedback.models import (
    Attachment,
    Callback,
    CallbackAttempt,
    CommunicationLog,
    Feedback,
    Satisfaction,
    Status,
)
from feedback.selectors import callback_of
from feedback.services import attachments_add, in_the_future, raise_field_errors
from feedback.workflow import feedback_save, lock_feedback
from workcalendar.calendar import get_calendar

from .callback_moves import callback_move, callback_open

UNREACHABLE_MIN_ATTEMPTS = 3
UNREACHABLE_MIN_WORKING_DAYS = 3
FAILED_OUTCOMES = (CallbackAttempt.Outcome.NO_ANSWER, CallbackAttempt.Outcome.CALL_LATER)


def not_handled_message(feedback: Feedback) -> str:
    return _(
        "The customer's problem is not handled yet: the satisfaction callback opens when every short-term measure "
        "of the CAPA form is completed, or when the CAPA form is verified effective."
    )


# --- rules ----------------------------------------------------------------------------------------
def why_not_contact(user: User, feedback: Feedback) -> str | None:
    if not (user.has_perm("feedback.contact_customer") or user.has_perm("feedback.verify_feedback")):
        return _("Only customer service or quality log contacts with the customer.")
    if feedback.status == Status.VOIDED:
        return _("%(number)s is voided.") % {"number": feedback.number}
    return None


def why_not_callback_attempt(user: User, feedback: Feedback) -> str | None:
    if not user.has_perm("feedback.contact_customer"):
        return _("Only customer service makes the satisfaction callback.")
    callback = callback_of(feedback)
    if callback is None:
        return not_handled_message(feedback)
    if callback.state != Callback.State.OPEN:
        return _("The satisfaction callback is already recorded (%(state)s).") % {
            "state": callback.get_state_display()
        }
    return None


def unreachable_problems(callback: Callback) -> list[str]:
    """What keeps the callback from being closed as unreachable, each named."""
    failed = [a for a in callback.attempts.all() if a.outcome in FAILED_OUTCOMES]
    days = {timezone.localtime(a.attempted_at).date() for a in failed}
    calendar = get_calendar() if days else None  # once, not per day: each read checks the calendar's revision
    working_days = {d for d in days if calendar.is_working(d)}
    problems = []
    if len(failed) < UNREACHABLE_MIN_ATTEMPTS:
        problems.append(
            _("%(n)s failed attempts so far; at least %(min)s are needed.")
            % {"n": len(failed), "min": UNREACHABLE_MIN_ATTEMPTS}
        )
    if len(working_days) < UNREACHABLE_MIN_WORKING_DAYS:
        problems.append(
            _("The failed attempts fall on %(n)s working days; they must be spread over at least %(min)s.")
            % {"n": len(working_days), "min": UNREACHABLE_MIN_WORKING_DAYS}
        )
    return problems


# --- the communication log ------------------------------------------------------------------------
@transaction.atomic
def contact_log_add(
    *,
    feedback: Feedback,
    actor: User,
    content: str,
    kind: str = CommunicationLog.Kind.GENERAL,
    method: str = CommunicationLog.Method.PHONE,
    contacted_at: dt.datetime | None = None,
    uploads: Iterable[File] = (),
) -> CommunicationLog:
    """Log a contact with the customer. ``kind=OUTCOME``: customer service told the customer the outcome (needed
    before a not-confirmed feedback is closed)."""
    locked = lock_feedback(feedback)
    refuse_if(why_not_contact(actor, locked))
    now = timezone.now()
    contacted_at = contacted_at or now
    errors: dict[str, list[str]] = {}
    if not (content or "").strip():
        errors["content"] = [_("Write what was said.")]
    if kind not in CommunicationLog.Kind.values:
        errors["kind"] = [_("Choose the kind of contact.")]
    if method not in CommunicationLog.Method.values:
        errors["method"] = [_("Choose how the customer was contacted.")]
    if in_the_future(contacted_at, now):
        errors["contacted_at"] = [_("The contact time cannot be in the future.")]
    raise_field_errors(errors)
    log = CommunicationLog.objects.create(
        feedback=locked,
        contacted_at=contacted_at,
        method=method,
        kind=kind,
        content=content.strip(),
        created_by=actor,
        created_at=now,
    )
    attachments_add(feedback=locked, actor=actor, uploads=uploads, purpose=Attachment.Purpose.COMMUNICATION)
    return log


# --- the satisfaction callback --------------------------------------------------------------------
def feedback_mark_handled(
    *, feedback: Feedback, actor: User, at: dt.datetime | None = None
) -> Callback | None:
    """The customer's problem is handled (see the module's docstring): record it once, open the callback, start
    its clock, tell the customer service owner. Called by the CAPA services; idempotent."""
    at = at or timezone.now()
    locked = lock_feedback(feedback)
    if locked.handled_at is not None or locked.status in (Status.CLOSED, Status.VOIDED):
        return callback_of(locked)
    feedback_save(locked, actor=actor, reason=_("Customer's problem handled"), changes={"handled_at": at})
    return callback_open(feedback=locked, actor=actor, at=at)


@transaction.atomic
def callback_attempt_record(
    *,
    feedback: Feedback,
    actor: User,
    outcome: str,
    satisfaction: str = "",
    comment: str = "",
    attempted_at: dt.datetime | None = None,
) -> CallbackAttempt:
    """One call: no answer / call back later / reached. Reached records the satisfaction and completes the callback
    (its clock stops); 不满意 alerts quality."""
    locked = lock_feedback(feedback)
    refuse_if(why_not_callback_attempt(actor, locked))
    callback = Callback.objects.select_for_update().get(feedback=locked)
    now = timezone.now()
    attempted_at = attempted_at or now
    errors: dict[str, list[str]] = {}
    if outcome not in CallbackAttempt.Outcome.values:
        errors["outcome"] = [_("Choose the outcome of the call.")]
    if outcome == CallbackAttempt.Outcome.REACHED:
        if satisfaction not in Satisfaction.values:
            errors["satisfaction"] = [_("Record the customer's satisfaction.")]
    elif satisfaction:
        errors["satisfaction"] = [_("Satisfaction is recorded only when the customer was reached.")]
    if in_the_future(attempted_at, now):
        errors["attempted_at"] = [_("The call time cannot be in the future.")]
    elif attempted_at < callback.opened_at:
        errors["attempted_at"] = [_("The call time is before the callback was opened.")]
    raise_field_errors(errors)
    attempt = CallbackAttempt.objects.create(
        callback=callback,
        attempted_at=attempted_at,
        outcome=outcome,
        satisfaction=satisfaction if outcome == CallbackAttempt.Outcome.REACHED else "",
        comment=(comment or "").strip(),
        created_by=actor,
    )
    if outcome != CallbackAttempt.Outcome.REACHED:
        return attempt
    callback_move(
        callback=callback,
        feedback=locked,
        to_state=Callback.State.DONE,
        actor=actor,
        at=attempted_at,
        changes={"satisfaction": satisfaction, "comment": attempt.comment},
    )
    feedback_save(
        locked,
        actor=actor,
        reason=_("Satisfaction callback: %(s)s") % {"s": Satisfaction(satisfaction).label},
        update_fields=[],
    )
    return attempt


@transaction.atomic
def callback_close_unreachable(*, feedback: Feedback, actor: User, note: str = "") -> Callback:
    """Close the callback as unreachable: at least three failed attempts over at least three working days."""
    locked = lock_feedback(feedback)
    refuse_if(why_not_callback_attempt(actor, locked))
    callback = Callback.objects.select_for_update().get(feedback=locked)
    problems = unreachable_problems(callback)
    if problems:
        raise DomainError(
            _("The callback cannot be closed as unreachable yet: %(problems)s")
            % {"problems": " ".join(problems)}
        )
    callback_move(
        callback=callback,
        feedback=locked,
        to_state=Callback.State.UNREACHABLE,
        actor=actor,
        at=timezone.now(),
        changes={"comment": (note or "").strip()},
    )
    feedback_save(
        locked, actor=actor, reason=_("Satisfaction callback: customer unreachable"), update_fields=[]
    )
    return callback
