"""Similar earlier feedback (相似反馈): shown while registering and verifying, so that a repeat complaint is marked
a duplicate and a known problem joins the CAPA form already open for it.

Earlier feedback the user may see, from the SIMILAR_FEEDBACK_DAYS (90) days up to the feedback's own time, not
voided, not a draft, not itself closed as a duplicate, that has
  - the same customer phone, or
  - the same product model and fault phenomenon (and the same serial/batch number when one is given);
plus the open CAPA forms (not yet verified effective) that cover any of them.

One query, on two indexes: (contact_phone, feedback_time) and (product_model, fault_phenomenon, feedback_time)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from accounts.models import User

from .models import CloseReason, Feedback, Status
from .selectors import feedback_visible_to
from .validators import normalize_phone

LIMIT = 10
CAPA_DONE = "effective"  # corrective_actions.models.CapaStatus.EFFECTIVE (read as data: no import upwards)


@dataclass
class Match:
    feedback: Feedback
    same_phone: bool
    same_fault: bool
    same_batch: bool


@dataclass
class Similar:
    matches: list[Match] = field(default_factory=list)
    capas: list = field(default_factory=list)  # open CAPA forms covering a match, each once

    def __bool__(self) -> bool:
        return bool(self.matches)


def _phone(value: str) -> str:
    try:
        return normalize_phone(value or "")
    except ValidationError:
        return ""


def similar_feedback(
    *,
    user: User,
    phone: str = "",
    product_model_id: int | None = None,
    fault_phenomenon_id: int | None = None,
    serial_number: str = "",
    at: dt.datetime | None = None,
    exclude_pk: int | None = None,
    limit: int = LIMIT,
) -> Similar:
    """The similar earlier feedback for these values (a record being registered or verified)."""
    phone = _phone(phone)
    serial_number = (serial_number or "").strip()
    conditions = Q()
    if phone:
        conditions |= Q(contact_phone=phone)
    if product_model_id and fault_phenomenon_id:
        fault = Q(product_model_id=product_model_id, fault_phenomenon_id=fault_phenomenon_id)
        if serial_number:
            fault &= Q(serial_number=serial_number)
        conditions |= fault
    if not conditions:
        return Similar()
    at = at or timezone.now()
    qs = (
        feedback_visible_to(user)
        .filter(conditions, feedback_time__gte=at - dt.timedelta(days=settings.SIMILAR_FEEDBACK_DAYS))
        .filter(feedback_time__lte=at)
        .exclude(status__in=[Status.DRAFT, Status.VOIDED])
        .exclude(close_reason=CloseReason.DUPLICATE)
        .select_related("fault_phenomenon", "capa__lead_department")
        .order_by("-feedback_time", "-id")
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    matches, capas = [], {}
    for feedback in qs[:limit]:
        same_fault = bool(
            product_model_id
            and fault_phenomenon_id
            and feedback.product_model_id == product_model_id
            and feedback.fault_phenomenon_id == fault_phenomenon_id
        )
        matches.append(
            Match(
                feedback=feedback,
                same_phone=bool(phone) and feedback.contact_phone == phone,
                same_fault=same_fault,
                same_batch=same_fault and bool(serial_number) and feedback.serial_number == serial_number,
            )
        )
        if feedback.capa_id and feedback.capa.status != CAPA_DONE:
            capas.setdefault(feedback.capa_id, feedback.capa)
    return Similar(matches=matches, capas=list(capas.values()))


def similar_to(feedback: Feedback, *, user: User) -> Similar:
    """The similar earlier feedback of a saved record."""
    return similar_feedback(
        user=user,
        phone=feedback.contact_phone,
        product_model_id=feedback.product_model_id,
        fault_phenomenon_id=feedback.fault_phenomenon_id,
        serial_number=feedback.serial_number,
        at=feedback.feedback_time,
        exclude_pk=feedback.pk,
    )
