"""The audit trail shown on a feedback's detail page: one line per change — who, when, which fields, before
and after — from django-simple-history's records, plus the files added. Constant number of queries."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Attachment, Feedback

HIDDEN_FIELDS = {"id", "version", "updated_at", "created_at", "registration_due_at"}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class HistoryLine:
    at: dt.datetime
    who: str
    action: str
    reason: str = ""
    changes: list[Change] = field(default_factory=list)


def _tracked_fields() -> list[models.Field]:
    return [f for f in Feedback._meta.concrete_fields if f.name not in HIDDEN_FIELDS]


def _plain_display(fld: models.Field, value, names: dict) -> str:
    if value in (None, "", []):
        return "—"
    if fld.choices:
        return str(dict(fld.flatchoices).get(value, value))
    if isinstance(fld, models.ForeignKey):
        return names.get((fld.related_model, value), f"#{value}")
    if fld.name == "customer_requests":
        from .models import CustomerRequest

        labels = dict(CustomerRequest.choices)
        return "、".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, dt.date):
        return formats.date_format(value, "Y-m-d")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _resolve_names(feedback: Feedback, records: list, fields: list[models.Field]) -> dict:
    """The names of the related objects the history refers to: those the feedback already holds (loaded with it),
    then one query per related model for the others (earlier values)."""
    names = {}
    wanted: dict[type, set] = {}
    for fld in fields:
        if not isinstance(fld, models.ForeignKey):
            continue
        if fld.is_cached(feedback) and (current := getattr(feedback, fld.name)) is not None:
            names[(fld.related_model, current.pk)] = str(current)
        ids = {getattr(r, fld.attname) for r in records} - {None}
        wanted.setdefault(fld.related_model, set()).update(ids)
    for model, ids in wanted.items():
        missing = {pk for pk in ids if (model, pk) not in names}
        if missing:
            for obj in model.objects.filter(pk__in=missing):
                names[(model, obj.pk)] = str(obj)
    return names


def _masking(masked: set[str]):
    """``_display``, with the values of the ``masked`` fields (a customer's contact: accounts.privacy) masked."""
    from accounts.privacy import mask_email, mask_phone

    maskers = {"contact_phone": mask_phone, "contact_email": mask_email}

    def display(fld: models.Field, value, names: dict) -> str:
        shown = _plain_display(fld, value, names)
        if fld.name in masked and shown != "—":
            return maskers.get(fld.name, lambda v: "***")(shown)
        return shown

    return display


class History(list):
    """The lines of ``feedback_history``; ``truncated``: older records exist that were not read."""

    truncated = False


def feedback_history(
    feedback: Feedback,
    *,
    attachments: Iterable[Attachment] | None = None,
    masked: set[str] = frozenset(),
    limit: int | None = None,
) -> History:
    """Newest first. ``attachments``: the feedback's attachments with their uploaders, when the caller has them;
    ``masked``: fields whose values the reader sees masked (feedback.privacy.masked_fields_for); ``limit``: read
    only the newest ``limit`` records (and the one before, to say what the oldest of them changed), so the time
    does not grow with the length of the history; the files added before the oldest record shown are left out
    too, and ``truncated`` says that there is more."""
    records = feedback.history.select_related("history_user").order_by("-history_date", "-history_id")
    records = list(records[: limit + 1] if limit is not None else records)
    records.reverse()
    truncated = limit is not None and len(records) > limit
    fields = _tracked_fields()
    names = _resolve_names(feedback, records, fields)
    display = _masking(set(masked)) if masked else _plain_display
    lines = History()
    previous = None
    if truncated:
        previous, records = (
            records[0],
            records[1:],
        )  # the diff base of the oldest line shown, not a line itself
    for record in records:
        who = str(record.history_user) if record.history_user else _("system")
        reason = record.history_change_reason or ""
        if previous is None:
            line = HistoryLine(at=record.history_date, who=who, action=_("created"), reason=reason)
            for fld in fields:
                value = getattr(record, fld.attname)
                if value not in (None, "", []):
                    line.changes.append(Change(str(fld.verbose_name), "", display(fld, value, names)))
        else:
            line = HistoryLine(at=record.history_date, who=who, action=_("changed"), reason=reason)
            for fld in fields:
                before, after = getattr(previous, fld.attname), getattr(record, fld.attname)
                if before != after:
                    line.changes.append(
                        Change(str(fld.verbose_name), display(fld, before, names), display(fld, after, names))
                    )
        if line.changes or line.reason or previous is None:
            lines.append(line)
        previous = record
    if attachments is None:
        attachments = feedback.attachments.select_related("uploaded_by")
    since = records[0].history_date if truncated else None
    for attachment in attachments:
        if since is not None and attachment.uploaded_at < since:
            continue
        lines.append(
            HistoryLine(
                at=attachment.uploaded_at,
                who=str(attachment.uploaded_by),
                action=_("added a file"),
                changes=[Change(str(attachment.get_purpose_display()), "", attachment.original_name)],
            )
        )
    lines.sort(key=lambda line: line.at, reverse=True)
    lines.truncated = truncated
    return lines
