"""Registration (初步登记): create, complete, edit and void a feedback; add attachments.

Lifecycle steps after registration live in quality_loop.lifecycle and quality_loop.contacts."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from sla import services as sla
from sla.models import ClockKind
from workcalendar.calendar import end_of_nth_working_day

from . import attachments as files
from .models import Attachment, CustomerRequest, Feedback, Status, StoredFile
from .numbering import next_number
from .validators import normalize_phone
from .workflow import feedback_save, feedback_transition, lock_feedback, move_effects_apply

# The registration fields a customer service agent fills in (DOMAIN.md step 1).
# Nothing the system tracks happened before this: a date before it is a typing error (or a fuzzer's 1517).
EARLIEST_DATE = dt.date(2000, 1, 1)
# A moment a person enters (feedback, contact, call) may be this much ahead of the server's clock.
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


def in_the_future(moment: dt.datetime | None, now: dt.datetime) -> bool:
    """A moment entered by a person that has not come yet (beyond the clocks' tolerance)."""
    return moment is not None and moment > now + CLOCK_TOLERANCE


REGISTRATION_FIELDS = (
    "customer_name",
    "contact_phone",
    "contact_email",
    "product_model",
    "serial_number",
    "purchase_date",
    "feedback_time",
    "channel",
    "channel_detail",
    "description",
    "customer_requests",
)
# Required before registration is complete; a draft may lack any of them. Contact: a phone or an e-mail.
REQUIRED_FOR_REGISTRATION = (
    "customer_name",
    "product_model",
    "purchase_date",
    "feedback_time",
    "channel",
    "description",
    "customer_requests",
)
EDITABLE_STATUSES = frozenset(
    {
        Status.DRAFT,
        Status.REGISTERED,
        Status.VERIFIED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PENDING_CLOSE,
    }
)


# --- rules ----------------------------------------------------------------------------------------------------
def can_register(user: User) -> bool:
    return user.has_perm("feedback.add_feedback")


def can_edit_registration(user: User, feedback: Feedback) -> bool:
    if feedback.status not in EDITABLE_STATUSES or not user.has_perm("feedback.change_feedback"):
        return False
    return user.has_perm("feedback.edit_any_registration") or user.pk in (
        feedback.registered_by_id,
        feedback.cs_owner_id,
    )


def can_void(user: User, feedback: Feedback) -> bool:
    return user.has_perm("feedback.void_feedback") and feedback.status != Status.VOIDED


def registration_errors(
    data: dict, *, complete: bool, now: dt.datetime | None = None
) -> dict[str, list[str]]:
    """Field → messages for ``data`` (registration field values). Formats are always checked; the required
    fields only when ``complete`` (a draft may be incomplete). Normalises ``contact_phone`` in place."""
    errors: dict[str, list[str]] = {}
    now = now or timezone.now()
    phone = data.get("contact_phone") or ""
    if phone:
        try:
            data["contact_phone"] = normalize_phone(phone)
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages
    requests = data.get("customer_requests") or []
    unknown = [r for r in requests if r not in CustomerRequest.values]
    if unknown:
        errors["customer_requests"] = [
            _("Unknown customer request: %(value)s") % {"value": ", ".join(unknown)}
        ]
    feedback_time = data.get("feedback_time")
    if in_the_future(feedback_time, now):
        errors["feedback_time"] = [_("The feedback time cannot be in the future.")]
    elif feedback_time and timezone.localtime(feedback_time).date() < EARLIEST_DATE:
        errors["feedback_time"] = [_("The feedback time cannot be before 2000.")]
    purchase_date = data.get("purchase_date")
    if purchase_date:
        if purchase_date > timezone.localdate(now):
            errors["purchase_date"] = [_("The purchase date cannot be in the future.")]
        elif purchase_date < EARLIEST_DATE:
            errors["purchase_date"] = [_("The purchase date cannot be before 2000.")]
        elif feedback_time and purchase_date > timezone.localtime(feedback_time).date():
            errors["purchase_date"] = [_("The purchase date cannot be after the feedback time.")]
    model = data.get("product_model")
    if model is not None and not model.is_active and complete:
        errors["product_model"] = [_("This product model is no longer in the catalogue.")]
    if complete:
        for field in REQUIRED_FOR_REGISTRATION:
            if not data.get(field) and field not in errors:
                errors[field] = [_("Required to complete the registration.")]
        if not data.get("contact_phone") and not data.get("contact_email") and "contact_phone" not in errors:
            errors["contact_phone"] = [_("Enter a phone number or an e-mail address.")]
    return errors


def registration_check(
    *, feedback: Feedback | None, data: dict, complete: bool, now: dt.datetime | None = None
) -> dict[str, list[str]]:
    """The field errors saving ``data`` would meet: a new record or a draft is checked in full only when it is
    being completed; a registered record must stay complete."""
    must_be_complete = complete or (feedback is not None and feedback.status != Status.DRAFT)
    return registration_errors(data, complete=must_be_complete, now=now)


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def raise_field_errors(errors: dict[str, list[str]]) -> None:
    """Refuse a lifecycle action with every field error at once: a DomainError whose message lists them all, and
    ``field_errors`` for the form."""
    if errors:
        raise DomainError(" ".join(m for ms in errors.values() for m in ms), field_errors=errors)


# --- services ---------------------------------------------------------------------------------------------------
@transaction.atomic
def feedback_register(
    *,
    actor: User,
    data: dict,
    complete: bool,
    uploads: Iterable[File] = (),
    at: dt.datetime | None = None,
    cs_owner: User | None = None,
) -> Feedback:
    """Create a feedback from the registration fields in ``data``; it gets its PF number now, on first save.

    ``complete=False`` saves a draft (formats checked, required fields not); ``complete=True`` also completes
    the registration. ``at`` is the moment of registration (now by default; imports and demo data pass the
    real time). ``cs_owner``: the customer service owner when it is not the actor (an integration's feedback).
    Raises ValidationError (field → messages) and PermissionDenied."""
    if not can_register(actor):
        raise PermissionDenied
    now = at or timezone.now()
    data = {k: v for k, v in data.items() if k in REGISTRATION_FIELDS}
    if not data.get("feedback_time"):
        data["feedback_time"] = now
    _raise_if(registration_errors(data, complete=complete, now=now))
    feedback = Feedback(
        **data,
        registered_by=actor,
        cs_owner=cs_owner or actor,
        created_at=now,
        status=Status.REGISTERED if complete else Status.DRAFT,
        registered_at=now if complete else None,
        registration_due_at=end_of_nth_working_day(data["feedback_time"], 1).due,
    )
    feedback.number = next_number("PF", now)
    feedback.full_clean(exclude=["registered_by", "cs_owner"])
    feedback._history_user = actor
    feedback._history_date = now
    feedback.save()
    for upload in uploads:
        attachment_add(feedback=feedback, actor=actor, upload=upload, at=now)
    # The clock keeps registration_due_at in step (its length is an administrator's setting).
    sla.clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)
    if complete:  # registered complete at once: the effects of completing a draft's registration
        move_effects_apply(feedback, from_status=Status.DRAFT, to_status=Status.REGISTERED, at=now)
    return feedback


@transaction.atomic
def feedback_update_registration(
    *,
    feedback: Feedback,
    actor: User,
    data: dict,
    expected_version: int,
    complete: bool = False,
    uploads: Iterable[File] = (),
    at: dt.datetime | None = None,
) -> Feedback:
    """Change registration fields (only those given in ``data``); with ``complete=True`` a draft becomes a
    registered feedback. A form opened on an older version is refused (StaleError)."""
    now = at or timezone.now()
    locked = lock_feedback(feedback, expected_version=expected_version)
    if not can_edit_registration(actor, locked):
        raise PermissionDenied
    data = {k: v for k, v in data.items() if k in REGISTRATION_FIELDS}
    if (
        "feedback_time" in data
        and locked.status != Status.DRAFT
        and data["feedback_time"] != locked.feedback_time
    ):
        raise ValidationError(
            {"feedback_time": [_("The feedback time can only be changed while the feedback is a draft.")]}
        )
    merged = {field: getattr(locked, field) for field in REGISTRATION_FIELDS} | data
    completing = complete and locked.status == Status.DRAFT
    errors = registration_check(feedback=locked, data=merged, complete=complete, now=now)
    _raise_if(errors)
    changed = [field for field in REGISTRATION_FIELDS if getattr(locked, field) != merged[field]]
    for field in changed:
        setattr(locked, field, merged[field])
    locked.full_clean(exclude=["registered_by", "cs_owner"])
    for upload in uploads:
        attachment_add(feedback=locked, actor=actor, upload=upload, at=now)
    if "feedback_time" in changed:  # a draft's corrected feedback time: its registration deadline follows
        sla.clock_restart(feedback=locked, kind=ClockKind.REGISTRATION, start=locked.feedback_time, at=now)
    if completing:
        locked = feedback_transition(
            feedback=locked,
            to_status=Status.REGISTERED,
            actor=actor,
            changes={**{f: merged[f] for f in changed}, "registered_at": now},
            reason=_("Registration completed"),
            at=now,
        )
    elif changed:
        feedback_save(locked, actor=actor, update_fields=changed)
    return locked


@transaction.atomic
def feedback_void(*, feedback: Feedback, actor: User, reason: str) -> Feedback:
    """An administrator's only way to remove a feedback: it stays, marked void, with who, when and why."""
    if not can_void(actor, feedback):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"void_reason": [_("Give the reason for voiding this feedback.")]})
    now = timezone.now()
    voided = feedback_transition(
        feedback=feedback,
        to_status=Status.VOIDED,
        actor=actor,
        changes={"voided_at": now, "voided_by": actor, "void_reason": reason},
        reason=_("Voided: %(reason)s") % {"reason": reason},
        at=now,
    )
    return voided


def attachment_add(
    *,
    feedback: Feedback,
    actor: User,
    upload: File,
    purpose: str = Attachment.Purpose.REGISTRATION,
    at: dt.datetime | None = None,
) -> Attachment:
    """Store ``upload`` for ``feedback`` after checking its type from its content and its size."""
    return stored_file_save(
        Attachment(feedback=feedback, purpose=purpose, uploaded_by=actor, uploaded_at=at or timezone.now()),
        upload,
    )


def attachments_add(
    *, feedback: Feedback, actor: User, uploads: Iterable[File], purpose: str
) -> list[Attachment]:
    """``attachment_add`` for each upload of a lifecycle action: a refused file refuses the action (DomainError
    naming the file, on the form's ``files`` field)."""
    added = []
    for upload in uploads:
        try:
            added.append(attachment_add(feedback=feedback, actor=actor, upload=upload, purpose=purpose))
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field_errors={"files": exc.messages}) from exc
    return added


def stored_file_save(stored: StoredFile, upload: File) -> StoredFile:
    """Fill in and save ``stored`` (a feedback's or a CAPA form's file, its owner fields set) from ``upload``,
    whose type is read from its content and whose size is checked (feedback.attachments.detect: ValidationError
    naming the file)."""
    detected = files.detect(upload)
    stored.original_name = upload.name.rsplit("/", 1)[-1][:255]
    stored.content_type = detected.content_type
    stored.kind = detected.kind
    stored.size = upload.size
    upload.seek(0)
    stored.file.save(stored.original_name, upload, save=False)
    stored.save()
    return stored
