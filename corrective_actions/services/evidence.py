"""Evidence: files on a CAPA form, its measures and its effect verifications."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files import File

from accounts.models import User
from core.errors import DomainError
from feedback.services import stored_file_save

from ..models import (
    Capa,
    CapaAttachment,
    EffectVerification,
    Measure,
)


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
