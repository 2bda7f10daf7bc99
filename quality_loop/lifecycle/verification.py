"""Verification, classification, grading and the level Ⅲ emergency response (DOMAIN.md steps 3–5)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import FaultPhenomenon
from core.errors import DomainError
from core.versioning import save_checked
from feedback.models import (
    Attachment,
    Category,
    Feedback,
    Severity,
    Status,
    Verification,
)
from feedback.services import attachments_add, raise_field_errors
from feedback.workflow import feedback_graded_effects, feedback_save, feedback_transition, lock_feedback
from sla import services as sla
from sla.models import ClockKind

from .rules import (
    _ensure,
    why_not_classify,
    why_not_emergency,
    why_not_verify,
)


# --- verification, classification, grading --------------------------------------------------------
def _quality_owner_default(feedback: Feedback, actor: User) -> None:
    """The quality engineer who first works on a feedback is in charge of it until someone is named."""
    if not feedback.quality_owner_id:
        feedback.quality_owner = actor


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
    save_checked(verification, actor=actor)
    attachments_add(feedback=locked, actor=actor, uploads=uploads, purpose=Attachment.Purpose.VERIFICATION)
    reason = _("Verification recorded: %(verdict)s") % {"verdict": verification.get_verdict_display()}
    if first:
        locked = feedback_transition(
            feedback=locked,
            to_status=Status.VERIFIED,
            actor=actor,
            reason=reason,
            changes={"quality_owner": locked.quality_owner or actor},
            at=now,
        )
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
    _quality_owner_default(locked, actor)
    feedback_save(
        locked,
        actor=actor,
        reason=_("Classified"),
        update_fields=["quality_owner"],
        changes={"category": category, "fault_phenomenon": fault_phenomenon},
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
    _quality_owner_default(locked, actor)
    feedback_save(
        locked,
        actor=actor,
        reason=_("Graded %(severity)s") % {"severity": Severity(severity).label},
        update_fields=["quality_owner"],
        changes={"severity": severity, "graded_at": now},
    )
    feedback_graded_effects(locked, previous=previous, actor=actor, at=now)
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
    feedback_save(
        locked,
        actor=actor,
        reason=_("Emergency response started"),
        changes={"emergency_started_at": now, "emergency_started_by": actor, "emergency_note": note},
    )
    sla.clock_stop(feedback=locked, kind=ClockKind.EMERGENCY, at=now)
    return locked
