"""The quality loop on a feedback (DOMAIN.md steps 3–11): verification, classification, grading, the emergency
response, assignment, waiting periods and the three ways to close. The CAPA form itself is corrective_actions';
the customer contacts and the satisfaction callback are feedback.contacts'.

Each action is one function: ``@transaction.atomic``, keyword-only, taking the acting user and the version of the
record the user's form was opened on (a stale form is refused, not applied). It checks the actor's role and
department, changes the status only through ``feedback.workflow.feedback_transition``, writes the history line,
starts and stops the SLA clocks and sends the notices. A rule the user breaks raises DomainError naming it.

Who does what (the roles of DOMAIN.md):
- quality engineer (``feedback.verify_feedback``): verify, classify, grade, assign, link to a CAPA form; with
  ``feedback.close_feedback``: close;
- quality engineer or a member of an assigned department: record that the emergency response has started;
- customer service, quality or an assigned department: open and end a waiting period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.files import File
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department, User
from accounts.roles import Role
from accounts.selectors import department_heads, users_with_role
from catalog.models import FaultPhenomenon
from core.errors import DomainError
from corrective_actions.models import Capa, CapaStatus
from corrective_actions.notices import quality_recipients, send_notice
from corrective_actions.selectors import OPEN_MEASURE_STATES
from feedback.models import (
    Assignment,
    Attachment,
    Callback,
    Category,
    CloseReason,
    CommunicationLog,
    Feedback,
    Pause,
    Severity,
    Status,
    Verification,
)
from feedback.selectors import callback_of, feedback_visible_to, verification_of
from feedback.services import attachments_add, raise_field_errors
from feedback.workflow import CLOSE_FROM, feedback_save, feedback_transition, lock_feedback
from sla import services as sla
from sla.models import ClockKind

from .selectors import CAPA_MEASURES

VERIFY_STATUSES = frozenset({Status.REGISTERED, Status.VERIFIED})
CLASSIFY_STATUSES = frozenset({Status.REGISTERED, Status.VERIFIED, Status.ASSIGNED, Status.IN_PROGRESS})
PAUSE_STATUSES = frozenset(
    {Status.REGISTERED, Status.VERIFIED, Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING_CLOSE}
)


# --- rules ----------------------------------------------------------------------------------------
def is_quality(user: User) -> bool:
    return user.has_perm("feedback.verify_feedback")


def in_assigned_department(user: User, feedback: Feedback) -> bool:
    return (
        bool(user.department_id)
        and user.has_perm("feedback.view_department_feedback")
        and any(a.department_id == user.department_id for a in feedback.assignments.all())
    )


def _status_label(feedback: Feedback) -> str:
    return str(feedback.get_status_display())


def _ensure(reason: str | None) -> None:
    if reason:
        raise DomainError(reason)


def why_not_verify(user: User, feedback: Feedback) -> str | None:
    if not is_quality(user):
        return _("Only a quality engineer records the verification.")
    if feedback.status not in VERIFY_STATUSES:
        return _(
            "%(number)s is “%(status)s”: the verification is recorded before the feedback is assigned."
        ) % {
            "number": feedback.number,
            "status": _status_label(feedback),
        }
    return None


def why_not_classify(user: User, feedback: Feedback) -> str | None:
    if not is_quality(user):
        return _("Only a quality engineer classifies and grades a feedback.")
    if feedback.status not in CLASSIFY_STATUSES:
        return _("%(number)s is “%(status)s”: it can no longer be classified or graded.") % {
            "number": feedback.number,
            "status": _status_label(feedback),
        }
    return None


def why_not_emergency(user: User, feedback: Feedback) -> str | None:
    if feedback.severity != Severity.URGENT:
        return _("Only a level Ⅲ feedback has an emergency response.")
    if feedback.emergency_started_at:
        return _("The emergency response was already recorded.")
    if feedback.status in (Status.CLOSED, Status.VOIDED, Status.DRAFT):
        return _("%(number)s is “%(status)s”.") % {
            "number": feedback.number,
            "status": _status_label(feedback),
        }
    if not (is_quality(user) or in_assigned_department(user, feedback)):
        return _("Only quality or an assigned department records the emergency response.")
    return None


def assignment_problems(feedback: Feedback) -> list[str]:
    """What must be done before a feedback can be assigned, each named."""
    problems = []
    if verification_of(feedback) is None:
        problems.append(_("Record the verification first."))
    if not feedback.category:
        problems.append(_("Classify the feedback first."))
    elif feedback.category != Category.SERVICE and not feedback.fault_phenomenon_id:
        problems.append(_("Choose the fault phenomenon first."))
    if not feedback.severity:
        problems.append(_("Grade the feedback first."))
    return problems


def why_not_assign(user: User, feedback: Feedback) -> str | None:
    if not is_quality(user):
        return _("Only a quality engineer assigns departments.")
    if feedback.status != Status.VERIFIED:
        return _("%(number)s is “%(status)s”: departments are assigned once it is verified.") % {
            "number": feedback.number,
            "status": _status_label(feedback),
        }
    return None


def why_not_pause(user: User, feedback: Feedback) -> str | None:
    if not (
        user.has_perm("feedback.contact_customer")
        or is_quality(user)
        or in_assigned_department(user, feedback)
    ):
        return _("Only customer service, quality or an assigned department records a waiting period.")
    if feedback.status not in PAUSE_STATUSES:
        return _("%(number)s is “%(status)s”: nothing runs that could wait.") % {
            "number": feedback.number,
            "status": _status_label(feedback),
        }
    return None


def why_not_close(user: User, feedback: Feedback, reason: str) -> str | None:
    if not user.has_perm("feedback.close_feedback"):
        return _("Only a quality engineer closes a feedback.")
    if feedback.status not in CLOSE_FROM[reason]:
        return _("%(number)s is “%(status)s”: it cannot be closed as “%(reason)s” now.") % {
            "number": feedback.number,
            "status": _status_label(feedback),
            "reason": CloseReason(reason).label,
        }
    return None


# --- verification, classification, grading --------------------------------------------------------
@transaction.atomic
def feedback_verify(
    *,
    feedback: Feedback,
    actor: User,
    expected_version: int,
    frequency: str,
    verdict: str,
    methods: Sequence[str],
    usage_environment: str = "",
    operating_steps: str = "",
    note: str = "",
    uploads: Iterable[File] = (),
) -> Verification:
    """问题核实: record what the customer reported and the verdict. The first record moves the feedback to
    “awaiting assignment” and stops the verification clock; until the feedback is assigned it can be corrected
    (the verification keeps its history)."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    _ensure(why_not_verify(actor, locked))
    errors: dict[str, list[str]] = {}
    if frequency not in Verification.Frequency.values:
        errors["frequency"] = [_("Choose how often the fault occurs.")]
    if verdict not in Verification.Verdict.values:
        errors["verdict"] = [_("Choose the verdict.")]
    methods = list(dict.fromkeys(methods or []))
    if not methods or any(m not in Verification.Method.values for m in methods):
        errors["methods"] = [_("Say how the problem was confirmed (phone, video, photos, physical unit).")]
    raise_field_errors(errors)
    now = timezone.now()
    verification = Verification.objects.filter(feedback=locked).first() or Verification(
        feedback=locked, verified_by=actor
    )
    first = verification.pk is None
    verification.frequency = frequency
    verification.verdict = verdict
    verification.methods = methods
    verification.usage_environment = usage_environment
    verification.operating_steps = operating_steps
    verification.note = note
    verification.verified_by = actor
    verification.verified_at = now
    verification._history_user = actor
    verification.full_clean()
    verification.save()
    attachments_add(feedback=locked, actor=actor, uploads=uploads, purpose=Attachment.Purpose.VERIFICATION)
    reason = _("Verification recorded: %(verdict)s") % {"verdict": verification.get_verdict_display()}
    if first:
        locked = feedback_transition(
            feedback=locked,
            to_status=Status.VERIFIED,
            actor=actor,
            reason=reason,
            changes={"quality_owner": locked.quality_owner or actor},
        )
        sla.clock_stop(feedback=locked, kind=ClockKind.VERIFICATION, at=now)
    else:
        feedback_save(
            locked,
            actor=actor,
            reason=_("Verification corrected: %(verdict)s") % {"verdict": verification.get_verdict_display()},
            update_fields=[],
        )
    return verification


@transaction.atomic
def feedback_classify(
    *,
    feedback: Feedback,
    actor: User,
    expected_version: int,
    category: str,
    fault_phenomenon: FaultPhenomenon | None,
) -> Feedback:
    """问题分类: one of the four categories, plus a fault phenomenon from the catalogue (not needed for a
    service problem)."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    _ensure(why_not_classify(actor, locked))
    errors: dict[str, list[str]] = {}
    if category not in Category.values:
        errors["category"] = [_("Choose one of the four categories.")]
    if fault_phenomenon is None and category != Category.SERVICE:
        errors["fault_phenomenon"] = [
            _("Choose the fault phenomenon (only a service problem may go without).")
        ]
    elif fault_phenomenon is not None:
        line_id = locked.product_model.line_id if locked.product_model_id else None
        if not fault_phenomenon.is_active:
            errors["fault_phenomenon"] = [_("This fault phenomenon is no longer in the catalogue.")]
        elif fault_phenomenon.line_id not in (None, line_id):
            errors["fault_phenomenon"] = [_("This fault phenomenon belongs to another product line.")]
    raise_field_errors(errors)
    locked.category = category
    locked.fault_phenomenon = fault_phenomenon
    if not locked.quality_owner_id:
        locked.quality_owner = actor
    feedback_save(
        locked,
        actor=actor,
        reason=_("Classified"),
        update_fields=["category", "fault_phenomenon", "quality_owner"],
    )
    return locked


@transaction.atomic
def feedback_grade(*, feedback: Feedback, actor: User, expected_version: int, severity: str) -> Feedback:
    """严重程度 Ⅰ/Ⅱ/Ⅲ. Ⅲ alerts management at once and starts the 24-hour emergency clock; grading a Ⅲ down
    before the response started stops that clock."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    _ensure(why_not_classify(actor, locked))
    if severity not in Severity.values:
        raise DomainError(_("Choose the severity."), field_errors={"severity": [_("Choose the severity.")]})
    if severity == locked.severity:
        return locked
    now = timezone.now()
    previous = locked.severity
    locked.severity = severity
    locked.graded_at = now
    if not locked.quality_owner_id:
        locked.quality_owner = actor
    feedback_save(
        locked,
        actor=actor,
        reason=_("Graded %(severity)s") % {"severity": locked.get_severity_display()},
        update_fields=["severity", "graded_at", "quality_owner"],
    )
    if severity == Severity.URGENT and not locked.emergency_started_at:
        clock = sla.clock_start(feedback=locked, kind=ClockKind.EMERGENCY, start=now)
        send_notice(
            deadline=clock.due_at,
            recipients=[*users_with_role(Role.MANAGEMENT), *quality_recipients([locked])],
            kind="emergency",
            subject=gettext_lazy("Level Ⅲ (urgent): %(number)s %(model)s"),
            body=gettext_lazy("Customer's words: %(description)s"),
            params={
                "number": locked.number,
                "model": str(locked.product_model or ""),
                "description": locked.description,
            },
            url=locked.get_absolute_url(),
            feedback=locked,
            urgent=True,
            dedup_key=f"emergency:{locked.pk}",
            exclude=actor,
        )
    elif previous == Severity.URGENT and not locked.emergency_started_at:
        sla.clock_stop(feedback=locked, kind=ClockKind.EMERGENCY, at=now)
    return locked


@transaction.atomic
def feedback_emergency_started(
    *, feedback: Feedback, actor: User, expected_version: int, note: str
) -> Feedback:
    """Record that the emergency response of a level Ⅲ feedback has started: the 24-hour clock stops."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    _ensure(why_not_emergency(actor, locked))
    note = (note or "").strip()
    if not note:
        raise DomainError(
            _("Describe the emergency response (who does what)."),
            field_errors={"note": [_("Describe the emergency response (who does what).")]},
        )
    now = timezone.now()
    locked.emergency_started_at = now
    locked.emergency_started_by = actor
    locked.emergency_note = note
    feedback_save(
        locked,
        actor=actor,
        reason=_("Emergency response started"),
        update_fields=["emergency_started_at", "emergency_started_by", "emergency_note"],
    )
    sla.clock_stop(feedback=locked, kind=ClockKind.EMERGENCY, at=now)
    return locked


# --- assignment -----------------------------------------------------------------------------------
@transaction.atomic
def feedback_assign(
    *,
    feedback: Feedback,
    actor: User,
    expected_version: int,
    owners: dict[Department, User | None],
    lead: Department | None,
) -> list[Assignment]:
    """部门对接: one or more responsible departments, a named owner in each (a member of that department), one of
    them the lead (it writes the CAPA form). Management is copied; the CAPA-form clock starts."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    _ensure(why_not_assign(actor, locked))
    problems = assignment_problems(locked)
    if problems:
        raise DomainError(" ".join(problems))
    errors: dict[str, list[str]] = {}
    if not owners:
        errors["departments"] = [_("Choose at least one responsible department.")]
    for department, owner in owners.items():
        if not department.is_active:
            errors.setdefault("departments", []).append(
                _("%(department)s is no longer active.") % {"department": department}
            )
        if owner is None:
            errors.setdefault("owners", []).append(
                _("Name the owner in %(department)s.") % {"department": department}
            )
        elif (
            owner.department_id != department.pk
            or not owner.is_active
            or not owner.has_perm("feedback.view_department_feedback")
        ):
            errors.setdefault("owners", []).append(
                _("%(owner)s is not a member of %(department)s.") % {"owner": owner, "department": department}
            )
    if owners and (lead is None or lead not in owners):
        errors["lead"] = [_("Choose the lead department among the responsible departments.")]
    raise_field_errors(errors)
    now = timezone.now()
    assignments = []
    for department, owner in sorted(owners.items(), key=lambda item: (item[0] != lead, item[0].pk)):
        assignment = Assignment(
            feedback=locked,
            department=department,
            owner=owner,
            is_lead=department == lead,
            assigned_by=actor,
            assigned_at=now,
        )
        assignment._history_user = actor
        assignment.full_clean(exclude=["feedback"])
        assignment.save()
        assignments.append(assignment)
    names = "、".join(str(a.department) for a in assignments)
    locked = feedback_transition(
        feedback=locked,
        to_status=Status.ASSIGNED,
        actor=actor,
        reason=_("Assigned to %(departments)s (lead: %(lead)s)") % {"departments": names, "lead": lead},
        changes={"quality_owner": locked.quality_owner or actor},
    )
    capa_clock = sla.clock_start(feedback=locked, kind=ClockKind.CAPA_FORM, start=now)
    url = locked.get_absolute_url()
    subject = gettext_lazy("%(number)s assigned to %(departments)s (lead: %(lead)s)")
    body = gettext_lazy("Owners: %(owners)s. Customer's words: %(description)s")
    params = {
        "number": locked.number,
        "departments": names,
        "lead": lead.name,
        "owners": "、".join(f"{a.department}: {a.owner}" for a in assignments),
        "description": locked.description,
    }
    send_notice(
        recipients=[a.owner for a in assignments] + department_heads(a.department_id for a in assignments),
        kind="assignment",
        subject=subject,
        body=body,
        params=params,
        url=url,
        feedback=locked,
        urgent=locked.severity == Severity.URGENT,
        exclude=actor,
        deadline=capa_clock.due_at,
    )
    send_notice(
        recipients=users_with_role(Role.MANAGEMENT),
        kind="assignment_copy",
        subject=subject,
        body=body,
        params=params,
        url=url,
        feedback=locked,
        exclude=actor,
    )
    return assignments


# --- waiting periods ------------------------------------------------------------------------------
@transaction.atomic
def pause_start(
    *, feedback: Feedback, actor: User, expected_version: int, reason: str, note: str = ""
) -> Pause:
    """等待客户回复 / 等待备件: the running clocks stand still until the waiting period ends."""
    locked = lock_feedback(feedback, expected_version=expected_version)
    _ensure(why_not_pause(actor, locked))
    if reason not in Pause.Reason.values:
        raise DomainError(_("Choose what the feedback is waiting for."))
    current = Pause.objects.filter(feedback=locked, ended_at__isnull=True).first()
    if current is not None:
        raise DomainError(
            _("%(number)s is already waiting (%(reason)s since %(since)s).")
            % {
                "number": locked.number,
                "reason": current.get_reason_display(),
                "since": timezone.localtime(current.started_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    now = timezone.now()
    pause = Pause.objects.create(feedback=locked, reason=reason, note=note, started_at=now, started_by=actor)
    locked.waiting_reason = reason
    feedback_save(
        locked,
        actor=actor,
        reason=_("Waiting: %(reason)s") % {"reason": pause.get_reason_display()},
        update_fields=["waiting_reason"],
    )
    sla.clocks_pause(feedback=locked, at=now)
    return pause


@transaction.atomic
def pause_end(*, feedback: Feedback, actor: User, expected_version: int) -> Pause:
    locked = lock_feedback(feedback, expected_version=expected_version)
    if not (
        actor.has_perm("feedback.contact_customer")
        or is_quality(actor)
        or in_assigned_department(actor, locked)
    ):
        raise DomainError(
            _("Only customer service, quality or an assigned department ends a waiting period.")
        )
    pause = Pause.objects.select_for_update().filter(feedback=locked, ended_at__isnull=True).first()
    if pause is None:
        raise DomainError(_("%(number)s is not waiting.") % {"number": locked.number})
    now = timezone.now()
    pause.ended_at = now
    pause.ended_by = actor
    pause.save(update_fields=["ended_at", "ended_by"])
    locked.waiting_reason = ""
    feedback_save(
        locked,
        actor=actor,
        reason=_("Waiting ended: %(reason)s") % {"reason": pause.get_reason_display()},
        update_fields=["waiting_reason"],
    )
    sla.clocks_resume(feedback=locked, at=now)
    return pause


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
    from .contacts import feedback_mark_handled

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
    if not feedback.category:
        problems.append(_("The feedback is not classified yet (category and fault phenomenon)."))
    elif feedback.category != Category.SERVICE and not feedback.fault_phenomenon_id:
        problems.append(_("No fault phenomenon is chosen yet."))
    if not feedback.severity:
        problems.append(_("The feedback is not graded yet."))
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
    )
    sla.clock_stop_all(feedback=closed, at=now)
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
    problems = close_resolved_problems(locked)
    if problems:
        raise DomainError(
            _("%(number)s cannot be closed yet: %(problems)s")
            % {"number": locked.number, "problems": " ".join(problems)}
        )
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
    problems = not_confirmed_problems(locked)
    note = (note or "").strip()
    if not note:
        problems.append(_("Give the reason for closing."))
    if problems:
        raise DomainError(
            _("%(number)s cannot be closed as not confirmed: %(problems)s")
            % {"number": locked.number, "problems": " ".join(problems)}
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
    if not note:
        problems.append(_("Give the reason for closing."))
    if problems:
        raise DomainError(
            _("%(number)s cannot be closed as a duplicate: %(problems)s")
            % {"number": locked.number, "problems": " ".join(problems)}
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
