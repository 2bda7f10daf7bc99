"""A feedback's customer contact as the reader may see it (accounts.privacy): in full, logged, for who calls the
customer; masked for everybody else."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from accounts import privacy

from .models import Feedback

CONTACT_FIELDS = ("contact_phone", "contact_email")


@dataclass(frozen=True)
class Contact:
    phone: str
    email: str
    masked: bool


def masked_contact(feedback: Feedback) -> Contact:
    return Contact(
        privacy.mask_phone(feedback.contact_phone), privacy.mask_email(feedback.contact_email), True
    )


def contact_for(request: HttpRequest, feedback: Feedback, *, where: str) -> Contact:
    """The contact shown on one record's page: in full (and the showing logged) or masked."""
    if not privacy.can_see_contacts(request.user):
        return masked_contact(feedback)
    shown = [name for name in CONTACT_FIELDS if getattr(feedback, name)]
    privacy.log_unmasking(
        user=request.user, records=[feedback.number], fields=shown, where=where, request=request
    )
    return Contact(feedback.contact_phone, feedback.contact_email, False)


def masked_fields_for(user) -> set[str]:
    """The fields the audit trail masks for ``user`` (their before and after values)."""
    return set() if privacy.can_see_contacts(user) else set(CONTACT_FIELDS)
