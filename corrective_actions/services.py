"""纠正与预防措施: writing, submitting, reviewing and executing a CAPA form, and verifying its effect.

Every write is one function here, ``@transaction.atomic``, taking the acting user, re-reading the row under a lock
and refusing a form opened on an older version (StaleError). Rules a user can break raise DomainError with a
message that names the reason. Nothing is deleted: measures are withdrawn, reviews and effect verifications are
appended per round, and the history of the form and of each measure is kept (django-simple-history).

A round: the lead department plans measures → its head submits → the quality engineer accepts (or returns with
a comment, same round) → owners execute → when every measure that is not withdrawn is completed the form awaits
effect verification → effective closes the loop; ineffective / needs further work opens the next round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department, User
from accounts.selectors import department_heads
from core.errors import DomainError
from core.versioning import lock_versioned, save_versioned
from feedback.models import Assignment, Feedback, Status
from feedback.numbering import next_number
from feedback.services import raise_field_errors, stored_file_save
from feedback.workflow import feedback_save, lock_feedback
from sla import services as sla
from sla.models import ClockKind

from . import ports, rules
from .models import (
    Capa,
    CapaAttachment,
    CapaReview,
    CapaStatus,
    EffectVerification,
    Measure,
    RootCauseCategory,
)
from .notices import quality_recipients, send_notice
from .selectors import capa_department_ids

CAPA_NUMBER_PREFIX = "CA"


def _ensure(reason: str | None, field: str | None = None) -> None:
    if reason:
        raise DomainError(reason, field_errors={field: [reason]} if field else None)


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


def _capa_save(capa: Capa, *, actor: User, reason: str = "", update_fields: list[str] | None = None) -> None:
    save_versioned(
        capa,
        actor=actor,
        reason=reason,
        update_fields=update_fields,
        clean_exclude=["created_by", "lead_department", "opened_for"],
    )


def _measure_save(
    measure: Measure, *, actor: User, reason: str = "", update_fields: list[str] | None = None
) -> None:
    save_versioned(
        measure,
        actor=actor,
        reason=reason,
        update_fields=update_fields,
        clean_exclude=["capa", "owner", "created_by", "department", "withdrawn_by"],
    )


def _capa_move(capa: Capa, *, to_status: str, actor: User, reason: str, changes: dict | None = None) -> Capa:
    if to_status not in rules.CAPA_MOVES.get(capa.status, frozenset()):
        raise DomainError(
            _("A CAPA form that is “%(current)s” cannot become “%(target)s”.")
            % {"current": CapaStatus(capa.status).label, "target": CapaStatus(to_status).label}
        )
    for field, value in (changes or {}).items():
        setattr(capa, field, value)
    capa.status = to_status
    _capa_save(capa, actor=actor, reason=reason)
    return capa


def _linked_feedbacks(capa: Capa) -> list[Feedback]:
    return list(Feedback.objects.filter(capa=capa).exclude(status=Status.VOIDED).order_by("id"))


def _clock_feedback(capa: Capa) -> Feedback | None:
    """The feedback the CAPA's own clocks (one per measure) hang on: the one the form was opened for."""
    if capa.opened_for_id:
        return capa.opened_for
    return Feedback.objects.filter(capa=capa).order_by("id").first()


def _lead_department_people(capa: Capa) -> list[User]:
    owners = list(
        User.objects.filter(
            pk__in=Assignment.objects.filter(
                feedback__capa=capa, department_id=capa.lead_department_id
            ).values("owner_id"),
            is_active=True,
        )
    )
    return owners + department_heads([capa.lead_department_id])


def _capa_url(capa: Capa) -> str:
    from django.urls import reverse

    return reverse("corrective_actions:detail", kwargs={"number": capa.number})


# --- validation of a measure's plan ---------------------------------------------------------------
def _measure_plan_errors(
    *,
    capa: Capa,
    kind: str,
    description: str,
    owner: User | None,
    planned_date: dt.date | None,
    today: dt.date,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in Measure.Kind.values:
        errors["kind"] = [_("Choose short-term or long-term.")]
    if not (description or "").strip():
        errors["description"] = [_("Describe the measure.")]
    if owner is None:
        errors["owner"] = [_("Every measure needs an owner.")]
    elif not owner.is_active:
        errors["owner"] = [_("%(owner)s can no longer log in: choose an active owner.") % {"owner": owner}]
    elif owner.department_id not in capa_department_ids(capa):
        errors["owner"] = [
            _(
                "%(owner)s is not in a department responsible for this feedback: choose an owner from %(depts)s."
            )
            % {
                "owner": owner,
                "depts": "、".join(
                    str(d) for d in Department.objects.filter(pk__in=capa_department_ids(capa))
                ),
            }
        ]
    if planned_date is None:
        errors["planned_date"] = [_("Every measure needs a planned date.")]
    elif planned_date < today:
        errors["planned_date"] = [
            _("The planned date %(date)s is in the past: plan a date from today on.") % {"date": planned_date}
        ]
    return errors


# --- writing the form -----------------------------------------------------------------------------
@transaction.atomic
def capa_create(
    *,
    feedback: Feedback,
    actor: User,
    title: str,
    root_cause_category: str = "",
    root_cause_analysis: str = "",
    expected_version: int | None = None,
) -> Capa:
    """Open the CAPA form for an assigned feedback; the lead department's members write it."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    lead = Assignment.objects.select_related("department").filter(feedback=locked, is_lead=True).first()
    if lead is None or locked.status != Status.ASSIGNED:
        raise DomainError(
            _("%(number)s is “%(status)s”: a CAPA form is opened once the feedback has been assigned.")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    if locked.capa_id:
        raise DomainError(
            _("%(number)s already has a CAPA form (%(capa)s).")
            % {"number": locked.number, "capa": locked.capa}
        )
    if not rules.writes_for(actor, lead.department_id):
        raise DomainError(
            _("Only the lead department (%(department)s) writes the CAPA form.")
            % {"department": lead.department}
        )
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the CAPA form a title."), field_errors={"title": [_("Required.")]})
    if root_cause_category and root_cause_category not in RootCauseCategory.values:
        raise DomainError(_("Unknown root-cause category."))
    now = timezone.now()
    capa = Capa(
        number=next_number(CAPA_NUMBER_PREFIX, now),
        title=title,
        lead_department=lead.department,
        root_cause_category=root_cause_category,
        root_cause_analysis=root_cause_analysis,
        created_by=actor,
        created_at=now,
        opened_for=locked,
    )
    capa._history_user = actor
    capa.full_clean()
    capa.save()
    locked.capa = capa
    feedback_save(
        locked,
        actor=actor,
        reason=_("CAPA form %(capa)s opened") % {"capa": capa.number},
        update_fields=["capa"],
    )
    return capa


@transaction.atomic
def capa_update(
    *,
    capa: Capa,
    actor: User,
    expected_version: int,
    title: str,
    root_cause_category: str,
    root_cause_analysis: str,
) -> Capa:
    locked = capa_lock(capa, expected_version=expected_version)
    _ensure(rules.why_not_write(actor, locked))
    if not (title or "").strip():
        raise DomainError(_("Give the CAPA form a title."), field_errors={"title": [_("Required.")]})
    locked.title = title.strip()
    locked.root_cause_category = root_cause_category
    locked.root_cause_analysis = root_cause_analysis
    _capa_save(
        locked,
        actor=actor,
        reason=_("Root cause updated"),
        update_fields=["title", "root_cause_category", "root_cause_analysis"],
    )
    return locked


@transaction.atomic
def measure_add(
    *,
    capa: Capa,
    actor: User,
    kind: str,
    description: str,
    owner: User | None,
    planned_date: dt.date | None,
    expected_version: int | None = None,
) -> Measure:
    """Plan a measure in the current round. Refused: no owner, an owner outside the responsible departments, a
    planned date in the past."""
    locked = capa_lock(capa, expected_version=expected_version)
    _ensure(rules.why_not_write(actor, locked))
    raise_field_errors(
        _measure_plan_errors(
            capa=locked,
            kind=kind,
            description=description,
            owner=owner,
            planned_date=planned_date,
            today=timezone.localdate(),
        )
    )
    measure = Measure(
        capa=locked,
        kind=kind,
        description=description.strip(),
        owner=owner,
        department_id=owner.department_id,
        planned_date=planned_date,
        round=locked.round,
        created_by=actor,
    )
    measure._history_user = actor
    measure.full_clean()
    measure.save()
    _capa_save(locked, actor=actor, reason=_("Measure planned: %(m)s") % {"m": measure}, update_fields=[])
    return measure


@transaction.atomic
def measure_edit(
    *,
    measure: Measure,
    actor: User,
    expected_version: int,
    kind: str,
    description: str,
    owner: User | None,
    planned_date: dt.date | None,
) -> Measure:
    locked = measure_lock(measure, expected_version=expected_version)
    capa = locked.capa
    _ensure(rules.why_not_edit_measure(actor, locked))
    raise_field_errors(
        _measure_plan_errors(
            capa=capa,
            kind=kind,
            description=description,
            owner=owner,
            planned_date=planned_date,
            today=timezone.localdate(),
        )
    )
    locked.kind = kind
    locked.description = description.strip()
    locked.owner = owner
    locked.department_id = owner.department_id
    locked.planned_date = planned_date
    _measure_save(
        locked,
        actor=actor,
        reason=_("Plan changed"),
        update_fields=["kind", "description", "owner", "department", "planned_date"],
    )
    _capa_save(capa, actor=actor, reason=_("Measure changed: %(m)s") % {"m": locked}, update_fields=[])
    return locked


@transaction.atomic
def measure_withdraw(
    *, measure: Measure, actor: User, reason: str, expected_version: int | None = None
) -> Measure:
    """Withdraw a measure with a reason: it stays on the form, marked withdrawn, and no longer counts."""
    locked = measure_lock(measure, expected_version=expected_version)
    capa = locked.capa
    _ensure(rules.why_not_withdraw_measure(actor, locked))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Say why the measure is withdrawn."),
            field_errors={"reason": [_("Say why the measure is withdrawn.")]},
        )
    now = timezone.now()
    locked.state = Measure.State.WITHDRAWN
    locked.withdrawn_reason = reason
    locked.withdrawn_at = now
    locked.withdrawn_by = actor
    _measure_save(
        locked,
        actor=actor,
        reason=_("Withdrawn: %(reason)s") % {"reason": reason},
        update_fields=["state", "withdrawn_reason", "withdrawn_at", "withdrawn_by"],
    )
    _capa_save(capa, actor=actor, reason=_("Measure withdrawn: %(m)s") % {"m": locked}, update_fields=[])
    if capa.status == CapaStatus.IN_PROGRESS:
        clock_feedback = _clock_feedback(capa)
        if clock_feedback is not None:
            sla.clock_stop(feedback=clock_feedback, kind=ClockKind.MEASURE, at=now, measure=locked)
        _after_measure_change(capa, actor=actor, at=now)
    return locked


# --- submission and review ------------------------------------------------------------------------
def capa_submission_problems(capa: Capa, *, today: dt.date | None = None) -> list[str]:
    """What keeps the form from being submitted, each named (empty: it can be submitted)."""
    today = today or timezone.localdate()
    problems: list[str] = []
    if not capa.root_cause_category:
        problems.append(_("Choose the root-cause category."))
    if not capa.root_cause_analysis.strip():
        problems.append(_("Write the root-cause analysis."))
    current = list(capa.measures.filter(round=capa.round).exclude(state=Measure.State.WITHDRAWN))
    if not current:
        if capa.round > 1:
            problems.append(
                _("Round %(round)s needs at least one new measure: the previous measures were not effective.")
                % {"round": capa.round}
            )
        else:
            problems.append(_("Plan at least one measure."))
    for measure in current:
        if measure.planned_date < today:
            problems.append(
                _("The measure “%(m)s” has a planned date in the past (%(date)s): plan a new date.")
                % {"m": measure, "date": measure.planned_date}
            )
    return problems


@transaction.atomic
def capa_submit(*, capa: Capa, actor: User, expected_version: int) -> Capa:
    """The lead department's head submits the form to quality; the CAPA-form clock stops."""
    locked = capa_lock(capa, expected_version=expected_version)
    _ensure(rules.why_not_submit(actor, locked))
    problems = capa_submission_problems(locked)
    if problems:
        raise DomainError(
            _("The CAPA form cannot be submitted yet: %(problems)s") % {"problems": " ".join(problems)}
        )
    now = timezone.now()
    _capa_move(
        locked,
        to_status=CapaStatus.SUBMITTED,
        actor=actor,
        reason=_("Submitted (round %(round)s)") % {"round": locked.round},
        changes={"submitted_at": now, "submitted_by": actor},
    )
    feedbacks = _linked_feedbacks(locked)
    for feedback in feedbacks:
        sla.clock_stop(feedback=feedback, kind=ClockKind.CAPA_FORM, at=now)
    send_notice(
        recipients=quality_recipients(feedbacks),
        kind="capa_submitted",
        subject=gettext_lazy("CAPA form %(capa)s submitted for review"),
        body=gettext_lazy("%(capa)s “%(title)s” (%(department)s) awaits your review."),
        params={"capa": locked.number, "title": locked.title, "department": locked.lead_department.name},
        url=_capa_url(locked),
        feedback=feedbacks[0] if feedbacks else None,
        exclude=actor,
    )
    return locked


@transaction.atomic
def capa_review(
    *, capa: Capa, actor: User, expected_version: int, decision: str, comment: str = ""
) -> CapaReview:
    """The quality engineer accepts the submitted form (the measures' clocks start) or returns it with a comment."""
    locked = capa_lock(capa, expected_version=expected_version)
    _ensure(rules.why_not_review(actor, locked))
    comment = (comment or "").strip()
    if decision not in CapaReview.Decision.values:
        raise DomainError(_("Accept or return the form."))
    if decision == CapaReview.Decision.RETURNED and not comment:
        raise DomainError(
            _("Say what must change before the form is returned."),
            field_errors={"comment": [_("Say what must change before the form is returned.")]},
        )
    now = timezone.now()
    review = CapaReview(
        capa=locked, round=locked.round, decision=decision, comment=comment, reviewed_by=actor
    )
    review.full_clean()
    review.save()
    if decision == CapaReview.Decision.RETURNED:
        feedbacks = _linked_feedbacks(locked)
        _capa_move(
            locked, to_status=CapaStatus.RETURNED, actor=actor, reason=_("Returned: %(c)s") % {"c": comment}
        )
        send_notice(
            recipients=_lead_department_people(locked),
            kind="capa_returned",
            subject=gettext_lazy("CAPA form %(capa)s returned for rework"),
            body=gettext_lazy("Quality's comment: %(comment)s"),
            params={"capa": locked.number, "comment": comment},
            url=_capa_url(locked),
            feedback=feedbacks[0] if feedbacks else None,
            exclude=actor,
        )
        return review
    _capa_move(
        locked,
        to_status=CapaStatus.IN_PROGRESS,
        actor=actor,
        reason=_("Accepted (round %(round)s)") % {"round": locked.round},
        changes={"accepted_at": now},
    )
    clock_feedback = _clock_feedback(locked)
    measures = list(
        locked.measures.select_related("owner").filter(
            round=locked.round, state__in=(Measure.State.PLANNED, Measure.State.IN_PROGRESS)
        )
    )
    if clock_feedback is not None:
        for measure in measures:
            sla.clock_start(feedback=clock_feedback, kind=ClockKind.MEASURE, start=now, measure=measure)
    ports.linked_feedbacks().capa_accepted(capa=locked, actor=actor)
    send_notice(
        recipients=[m.owner for m in measures],
        kind="measure_assigned",
        subject=gettext_lazy("CAPA form %(capa)s accepted: your measures start now"),
        body=gettext_lazy("Measures and planned dates: %(measures)s"),
        params={
            "capa": locked.number,
            "measures": "; ".join(f"{m.planned_date:%Y-%m-%d} {m}" for m in measures),
        },
        url=_capa_url(locked),
        feedback=clock_feedback,
        exclude=actor,
    )
    return review


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
        locked.state = Measure.State.COMPLETED
        locked.completed_date = completed_date
        fields += ["state", "completed_date"]
    elif not note and not uploads:
        raise DomainError(_("Write a progress note, attach evidence or record the completion."))
    elif locked.state == Measure.State.PLANNED:
        locked.state = Measure.State.IN_PROGRESS
        fields.append("state")
    if note:
        stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
        entry = f"[{stamp} {actor}] {note}"
        locked.progress_note = f"{locked.progress_note}\n{entry}".strip() if locked.progress_note else entry
        fields.append("progress_note")
    for upload in uploads:
        capa_attachment_add(capa=capa, actor=actor, upload=upload, measure=locked)
    if fields:
        _measure_save(
            locked,
            actor=actor,
            reason=_("Completed") if complete else _("Progress recorded"),
            update_fields=fields,
        )
    if complete:
        clock_feedback = _clock_feedback(capa)
        if clock_feedback is not None:
            stop_at = min(now, _end_of_day(completed_date))
            sla.clock_stop(feedback=clock_feedback, kind=ClockKind.MEASURE, at=stop_at, measure=locked)
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
        changes={"implemented_at": at},
    )
    for feedback in feedbacks:
        sla.clock_start(feedback=feedback, kind=ClockKind.EFFECT_VERIFICATION, start=at)
    send_notice(
        recipients=quality_recipients(feedbacks),
        kind="effect_verification_due",
        subject=gettext_lazy("CAPA form %(capa)s: every measure implemented, verify the effect"),
        body=gettext_lazy("%(capa)s “%(title)s”: record the effect verification."),
        params={"capa": capa.number, "title": capa.title},
        url=_capa_url(capa),
        feedback=feedbacks[0] if feedbacks else None,
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
    for feedback in feedbacks:
        sla.clock_stop(feedback=feedback, kind=ClockKind.EFFECT_VERIFICATION, at=now)
    if result == EffectVerification.Result.EFFECTIVE:
        _capa_move(
            locked,
            to_status=CapaStatus.EFFECTIVE,
            actor=actor,
            reason=_("Verified effective (round %(round)s)") % {"round": locked.round},
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
        changes={
            "round": locked.round + 1,
            "implemented_at": None,
            "accepted_at": None,
            "submitted_at": None,
        },
    )
    for feedback in feedbacks:
        # The department has the CAPA-form time again for the new round's measures.
        sla.clock_start(feedback=feedback, kind=ClockKind.CAPA_FORM, start=now)
    send_notice(
        recipients=_lead_department_people(locked),
        kind="capa_returned",
        subject=gettext_lazy("CAPA form %(capa)s: effect %(result)s, plan new measures (round %(round)s)"),
        body=gettext_lazy("Quality's finding: %(note)s"),
        params={
            "capa": locked.number,
            "result": EffectVerification.Result(result).label,
            "round": locked.round,
            "note": note,
        },
        url=_capa_url(locked),
        feedback=feedbacks[0] if feedbacks else None,
        exclude=actor,
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
    locked.capa = locked_capa
    feedback_save(
        locked,
        actor=actor,
        reason=_("Linked to CAPA form %(capa)s (same root cause)") % {"capa": locked_capa.number},
        update_fields=["capa"],
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


# --- evidence -------------------------------------------------------------------------------------
def capa_attachment_add(
    *,
    capa: Capa,
    actor: User,
    upload: File,
    measure: Measure | None = None,
    effect_verification: EffectVerification | None = None,
) -> CapaAttachment:
    """Evidence for a form, a measure or an effect verification: stored as the feedback's own attachments are,
    with the same content check and size limit."""
    attachment = CapaAttachment(
        capa=capa, measure=measure, effect_verification=effect_verification, uploaded_by=actor
    )
    try:
        return stored_file_save(attachment, upload)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field_errors={"files": exc.messages}) from exc
