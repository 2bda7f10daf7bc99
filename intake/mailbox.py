"""The official mailbox (官方邮箱): beat polls an IMAP folder (settings INTAKE_IMAP_*; nothing happens while
INTAKE_IMAP_HOST is empty) and every new message becomes a draft feedback with channel 官方邮箱, the sender as the
contact, the text as the customer's words and the attachments checked like uploads.

Never twice: a message is recorded once per Message-ID (a unique row, written in the same transaction as its
draft, so two polls at once cannot both take it); on the server it is then flagged ``$AftersalesTaken`` (and
\\Seen), and the poll asks only for messages without that flag. A message that was recorded but not flagged (the
poll died in between) is flagged on the next poll, not taken again.

A message that cannot be turned into a draft (no sender address, an undecodable body, a value the registration
refuses) is kept for a person: a row in state ATTENTION with the problem and the raw message, shown in the intake
inbox, where customer service downloads it and records what was done."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import html
import imaplib
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from .integrations import mailbox_integration
from .models import MailMessage
from .registration import intake_register

logger = logging.getLogger(__name__)

TAKEN_FLAG = "$AftersalesTaken"
MAX_DESCRIPTION = 20_000


class Unusable(ValueError):
    """The message cannot become a draft; the text says why (for the person who looks at it)."""


@dataclass
class PollResult:
    taken: int = 0
    attention: int = 0
    already: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    message_id: str
    sender_name: str
    sender: str
    subject: str
    text: str
    sent_at: dt.datetime | None
    attachments: list[ContentFile]


def message_key(message, raw: bytes) -> str:
    message_id = (message.get("Message-ID", "") if message is not None else "") or ""
    message_id = str(message_id).strip()
    if message_id:
        return message_id[:255]
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


def _header(message, name: str) -> str:
    try:
        return str(message.get(name, "") or "").strip()
    except Exception:  # an undecodable header
        return ""


def parse(raw: bytes) -> tuple[object, Parsed]:
    """The parts of ``raw`` a draft needs; raises Unusable naming what is wrong."""
    if not raw or not raw.strip():
        raise Unusable(_("The message is empty."))
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as error:
        raise Unusable(_("The message cannot be read: %(error)s") % {"error": error}) from error
    name, address = email.utils.parseaddr(_header(message, "From"))
    if not address or "@" not in address:
        raise Unusable(_("The message has no sender address that could be answered."))
    subject = _header(message, "Subject")
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
        if body is not None and body.get_content_type() == "text/html":
            text = html.unescape(strip_tags(text))
    except (LookupError, UnicodeError, KeyError, AttributeError) as error:
        raise Unusable(
            _("The text of the message cannot be decoded: %(error)s") % {"error": error}
        ) from error
    attachments = []
    for part in message.iter_attachments():
        filename = part.get_filename() or _("attachment")
        try:
            payload = part.get_content()
        except (LookupError, UnicodeError, KeyError) as error:
            raise Unusable(
                _("The attachment “%(name)s” cannot be decoded: %(error)s")
                % {"name": filename, "error": error}
            ) from error
        if isinstance(payload, str):
            payload = payload.encode()
        if not isinstance(payload, bytes):  # an attached message (message/rfc822)
            payload = bytes(part.get_payload(decode=True) or b"") or str(payload).encode()
        attachments.append(ContentFile(payload, name=filename))
    text = re.sub(r"\n{3,}", "\n\n", (text or "").replace("\r\n", "\n")).strip()
    if not text and not attachments and not subject:
        raise Unusable(_("The message has neither a text nor attachments."))
    sent_at = None
    with contextlib.suppress(TypeError, ValueError, IndexError):
        sent_at = email.utils.parsedate_to_datetime(_header(message, "Date"))
    if sent_at is not None and (sent_at.tzinfo is None or sent_at > timezone.now()):
        sent_at = None
    return message, Parsed(
        message_id=message_key(message, raw),
        sender_name=(name or address.split("@")[0]).strip()[:100],
        sender=address.strip(),
        subject=subject[:255],
        text=text,
        sent_at=sent_at,
        attachments=attachments,
    )


def _description(parsed: Parsed) -> str:
    parts = []
    if parsed.subject and parsed.subject not in parsed.text:
        parts.append(_("Subject: %(subject)s") % {"subject": parsed.subject})
    if parsed.text:
        parts.append(parsed.text)
    return "\n\n".join(parts)[:MAX_DESCRIPTION]


def mail_take(raw: bytes, *, uid: str = "") -> tuple[MailMessage | None, bool]:
    """Turn one raw message into a draft (or a row for a person). Returns (row, taken now); (existing row, False)
    when this Message-ID was taken before."""
    try:
        message, parsed = parse(raw)
        key, problem = parsed.message_id, None
    except Unusable as unusable:
        message, parsed, problem = None, None, str(unusable)
        with contextlib.suppress(Exception):
            message = email.message_from_bytes(raw, policy=email.policy.compat32)
        key = message_key(message, raw)
    existing = MailMessage.objects.filter(message_id=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = MailMessage.objects.create(  # first: a second poll taking the same message waits here, then fails
                message_id=key,
                uid=uid,
                sender=(parsed.sender if parsed else _header(message, "From") if message else "")[:255],
                subject=(parsed.subject if parsed else _header(message, "Subject") if message else "")[:255],
                state=MailMessage.State.ATTENTION if problem else MailMessage.State.IMPORTED,
                problem=problem or "",
            )
            if parsed is not None:
                try:
                    registered = _register(parsed)
                except ValidationError as error:
                    problem = _("The registration refused it: %(errors)s") % {
                        "errors": " ".join(error.messages)
                    }
                else:
                    row.feedback = registered.feedback
                    row.notes = registered.refused_files
                    row.save(update_fields=["feedback", "notes"])
            if problem:
                row.state = MailMessage.State.ATTENTION
                row.problem = problem
                row.raw.save(f"{row.pk}.eml", ContentFile(raw), save=False)
                row.save(update_fields=["state", "problem", "raw"])
    except IntegrityError:  # taken by a poll running at the same time
        return MailMessage.objects.filter(message_id=key).first(), False
    return row, True


def _register(parsed: Parsed):
    integration = mailbox_integration()
    data = {
        "customer_name": parsed.sender_name,
        "contact_email": parsed.sender,
        "description": _description(parsed),
        "channel_detail": parsed.subject[:100],
    }
    if parsed.sent_at is not None:
        data["feedback_time"] = parsed.sent_at
    # intake_register is atomic (a savepoint here): a refused value rolls back the draft, not the row for a person
    return intake_register(integration=integration, data=data, uploads=parsed.attachments)


# --- the IMAP side ----------------------------------------------------------------------------------------------
def _connect() -> imaplib.IMAP4:
    host, port, timeout = (
        settings.INTAKE_IMAP_HOST,
        settings.INTAKE_IMAP_PORT,
        settings.INTAKE_IMAP_TIMEOUT_SECONDS,
    )
    if settings.INTAKE_IMAP_SSL:
        imap = imaplib.IMAP4_SSL(host, port, timeout=timeout)
    else:
        imap = imaplib.IMAP4(host, port, timeout=timeout)
        if settings.INTAKE_IMAP_STARTTLS:
            imap.starttls()
    imap.login(settings.INTAKE_IMAP_USER, settings.INTAKE_IMAP_PASSWORD)
    return imap


def mailbox_poll(*, batch_size: int = 200) -> PollResult:
    """Take the mailbox's new messages. Off (nothing done) while INTAKE_IMAP_HOST is empty."""
    result = PollResult()
    if not settings.INTAKE_IMAP_HOST:
        return result
    imap = _connect()
    try:
        typ, _detail = imap.select(settings.INTAKE_IMAP_FOLDER)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {settings.INTAKE_IMAP_FOLDER}")
        typ, data = imap.uid("SEARCH", None, "UNKEYWORD", TAKEN_FLAG)
        uids = data[0].split()[:batch_size] if typ == "OK" and data and data[0] else []
        for uid in uids:
            uid_text = uid.decode()
            typ, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = (
                next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
                if typ == "OK"
                else None
            )
            if raw is None:
                result.errors.append(uid_text)
                continue
            try:
                row, taken = mail_take(raw, uid=uid_text)
            except (
                Exception
            ):  # one bad message must not stop the others; it stays unflagged for the next poll
                logger.exception("mailbox: message uid %s could not be taken", uid_text)
                result.errors.append(uid_text)
                continue
            if taken:
                result.taken += 1
                result.attention += row.state == MailMessage.State.ATTENTION
            else:
                result.already += 1
            imap.uid("STORE", uid, "+FLAGS", f"({TAKEN_FLAG} \\Seen)")
    finally:
        with contextlib.suppress(Exception):
            imap.close()
        with contextlib.suppress(Exception):
            imap.logout()
    return result


def mail_handled(*, message: MailMessage, actor, note: str) -> MailMessage:
    """A person dealt with a message the mailbox could not take (registered it by hand, answered the sender …)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say what was done with the message.")]})
    if message.state != MailMessage.State.ATTENTION:
        raise ValidationError(_("This message does not wait for anyone."))
    message.state = MailMessage.State.HANDLED
    message.handled_by = actor
    message.handled_at = timezone.now()
    message.handled_note = note
    message.save(update_fields=["state", "handled_by", "handled_at", "handled_note"])
    return message
