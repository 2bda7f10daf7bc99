"""What every channel does with what arrives: check the files like uploads, save a complete registration when
every required field is in (a draft otherwise), registered by the channel's account, and note refused files on
the record's history. Reuses feedback.services: PF number, clocks and history are the same as for a typed
registration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback import attachments as files
from feedback import services as registration
from feedback.models import Feedback
from feedback.workflow import feedback_save

from .models import Integration


@dataclass
class Registered:
    feedback: Feedback
    missing: list[str] = field(default_factory=list)  # the fields a draft still lacks
    refused_files: list[dict] = field(default_factory=list)  # {"name": …, "reason": …}


def check_uploads(uploads: Iterable[File]) -> tuple[list[File], list[dict]]:
    """(accepted, refused with the reason): each file checked by its content and size, as on the form."""
    accepted, refused = [], []
    for upload in uploads:
        try:
            files.detect(upload)
        except ValidationError as error:
            refused.append(
                {
                    "name": getattr(upload, "name", "") or "",
                    "reason": " ".join(error.messages),
                    "code": error.error_list[0].code or "",
                }
            )
        else:
            accepted.append(upload)
    return accepted, refused


def refused_summary(refused: list[dict]) -> str:
    """One history line (at most 100 characters, the history's limit) naming the refused files and why."""
    short = {"too_large": _("too large"), "bad_type": _("file type not accepted"), "empty": _("empty")}
    parts = [f"{f['name']} ({short.get(f.get('code', ''), _('refused'))})" for f in refused]
    text = _("Files not accepted: %(files)s") % {"files": "; ".join(parts)}
    return text if len(text) <= 100 else text[:99] + "…"


def format_errors(data: dict, *, at: dt.datetime | None = None) -> dict[str, list[str]]:
    """What is wrong with the values given (a draft may lack fields, it may not hold wrong ones)."""
    return registration.registration_errors(dict(data), complete=False, now=at)


def missing_fields(data: dict, *, at: dt.datetime | None = None) -> list[str]:
    """The fields a complete registration would still need (empty: it can be registered now)."""
    probe = dict(data)
    if not probe.get("feedback_time"):
        probe["feedback_time"] = at or timezone.now()
    return sorted(registration.registration_errors(probe, complete=True, now=at))


@transaction.atomic
def intake_register(
    *,
    integration: Integration,
    data: dict,
    uploads: Iterable[File] = (),
    at: dt.datetime | None = None,
    refused_files: Iterable[dict] = (),
) -> Registered:
    """Register what ``integration`` brought: complete when nothing required is missing, else a draft.
    Raises ValidationError for wrong values (never for missing ones)."""
    data = {**data, "channel": integration.channel}
    accepted, refused = check_uploads(uploads)
    refused = [*refused_files, *refused]
    missing = missing_fields(data, at=at)
    feedback = registration.feedback_register(
        actor=integration.service_user,
        data=data,
        complete=not missing,
        uploads=accepted,
        at=at,
        cs_owner=integration.default_owner,
    )
    if refused:
        feedback_save(
            feedback,
            actor=integration.service_user,
            reason=refused_summary(refused),
            update_fields=[],
        )
    return Registered(feedback=feedback, missing=missing, refused_files=refused)
