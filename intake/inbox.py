"""The intake inbox: what arrived by the integrations and the mailbox without a person to complete it, and the
messages the mailbox could not take. Customer service takes a draft (becomes its owner) and completes it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from feedback.models import Feedback, Status
from feedback.workflow import feedback_save, lock_feedback

from .models import MailMessage


def can_use_inbox(user: User) -> bool:
    return user.is_authenticated and user.has_perm("feedback.add_feedback")


def drafts_waiting() -> QuerySet[Feedback]:
    """Drafts still owned by a channel's service account (an integration or the mailbox)."""
    return (
        Feedback.objects.filter(status=Status.DRAFT, cs_owner__integration__isnull=False)
        .select_related("cs_owner__integration", "product_model")
        .order_by("feedback_time", "id")
    )


def mail_waiting() -> QuerySet[MailMessage]:
    return MailMessage.objects.filter(state=MailMessage.State.ATTENTION).order_by("received_at", "id")


@transaction.atomic
def draft_take(*, feedback: Feedback, actor: User) -> Feedback:
    """An agent takes a waiting draft: they own it from now on (a history line says so)."""
    if not can_use_inbox(actor):
        raise PermissionDenied
    locked = lock_feedback(feedback)
    if locked.status != Status.DRAFT or not hasattr(locked.cs_owner, "integration"):
        raise ValidationError(_("%(number)s has been taken already.") % {"number": locked.number})
    locked.cs_owner = actor
    feedback_save(
        locked,
        actor=actor,
        reason=_("Taken from the intake inbox by %(user)s") % {"user": actor},
        update_fields=["cs_owner"],
    )
    return locked
