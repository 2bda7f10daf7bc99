"""Telling people: ``notify()`` creates in-app notices at once; the e-mail outbox sends them by e-mail.

E-mail timing: a notice created in working time (a working day of the calendar, between NOTIFY_WORKDAY_START and
NOTIFY_WORKDAY_END) is e-mailed at once; otherwise it waits until the next working morning at
NOTIFY_WORKDAY_START. Urgent notices (level Ⅲ) are e-mailed at once, day or night.

Sending: ``email_outbox_flush()`` claims due rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and a lease
(``email_claimed_until``, committed before anything is sent), sends each mail, then marks it ``emailed_at``. Two
flushers never claim the same row, so they never send the same mail. The one window left: if the process dies
after the mail server accepted a mail and before ``emailed_at`` is written (one UPDATE right after the send), the
lease expires (EMAIL_CLAIM_LEASE) and the mail is sent again — at least once, never lost. A mail that fails is
retried with a growing delay, at most EMAIL_MAX_ATTEMPTS times; after the last failure it leaves the outbox
(``email_due_at`` cleared, ``email_error`` kept).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from workcalendar.calendar import next_working_time

from .models import Level, Notification, pick_language
from .outbox import claim_due, flush_in_batches
from .robot_outbox import robot_messages_route

logger = logging.getLogger(__name__)

EMAIL_CLAIM_LEASE = dt.timedelta(minutes=5)
EMAIL_MAX_ATTEMPTS = 5
EMAIL_RETRY_DELAY = dt.timedelta(minutes=5)


@dataclass
class Notice:
    """One event to tell several people about. ``subject`` / ``body`` are translatable strings (``gettext_lazy``)
    with ``%(name)s`` placeholders filled from ``params`` (values may be lazy too), rendered in every language."""

    recipients: Iterable
    kind: str
    subject: str | Promise
    body: str | Promise = ""
    params: dict = field(default_factory=dict)
    url: str = ""
    feedback: object | None = None
    urgent: bool = False
    dedup_key: str | None = None
    # What the group-chat robots' routing rules read (notifications.robot_outbox): the severity of the record the
    # notice is about, the departments it concerns and the roles it is addressed to (the recipients' own
    # departments and roles are added), the record's number and the deadline it is about.
    severity: str = ""
    departments: Iterable[int] = ()
    roles: Iterable[str] = ()
    reference: str = ""
    deadline: dt.datetime | None = None


def render_all_languages(text: str | Promise, params: dict | None = None) -> dict[str, str]:
    if not text:
        return {}
    out = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered = str(text)
            if params:
                values = {
                    key: str(value) if isinstance(value, Promise) else value for key, value in params.items()
                }
                rendered = rendered % values
            out[code] = rendered
    return out


def notify(
    *,
    recipients: Iterable,
    kind: str,
    subject: str | Promise,
    body: str | Promise = "",
    params: dict | None = None,
    url: str = "",
    feedback=None,
    urgent: bool = False,
    dedup_key: str | None = None,
    now: dt.datetime | None = None,
    severity: str = "",
    departments: Iterable[int] = (),
    roles: Iterable[str] = (),
    reference: str = "",
    deadline: dt.datetime | None = None,
) -> int:
    """Tell ``recipients`` (users; duplicates, ``None`` and inactive users are skipped): in the app at once, by
    e-mail per the rules above. With a ``dedup_key`` a person gets this notice once, however often it is called.
    Returns how many notices were written (ignoring duplicates that were skipped)."""
    return notify_bulk(
        [
            Notice(
                recipients=recipients,
                kind=kind,
                subject=subject,
                body=body,
                params=params or {},
                url=url,
                feedback=feedback,
                urgent=urgent,
                dedup_key=dedup_key,
                severity=severity,
                departments=departments,
                roles=roles,
                reference=reference,
                deadline=deadline,
            )
        ],
        now=now,
    )


def notify_bulk(notices: Iterable[Notice], *, now: dt.datetime | None = None) -> int:
    """Several notices in one insert (the sweep's batches); the group-chat robots' messages in one more."""
    now = now or timezone.now()
    normal_email_due: dt.datetime | None = None
    rows: list[Notification] = []
    routed: list[tuple] = []
    for notice in notices:
        subject = render_all_languages(notice.subject, notice.params)
        body = render_all_languages(notice.body, notice.params)
        if notice.urgent:
            email_due = now
        else:
            if normal_email_due is None:
                normal_email_due = next_working_time(now)
            email_due = normal_email_due
        seen: set[int] = set()
        people = []
        for user in notice.recipients:
            if user is None or not user.is_active or user.pk in seen:
                continue
            seen.add(user.pk)
            people.append(user)
            rows.append(
                Notification(
                    recipient=user,
                    kind=notice.kind,
                    level=Level.URGENT if notice.urgent else Level.NORMAL,
                    subject=subject,
                    body=body,
                    url=notice.url,
                    feedback=notice.feedback,
                    created_at=now,
                    dedup_key=notice.dedup_key,
                    email_due_at=email_due if user.email else None,
                )
            )
        routed.append((notice, people, subject, body))
    robot_messages_route(routed, now=now)
    if not rows:
        return 0
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    if any(row.email_due_at is not None and row.email_due_at <= now for row in rows):
        transaction.on_commit(nudge_outbox)
    return len(rows)


def nudge_outbox() -> None:
    """Ask a worker to send the due e-mails now. Never fails: if the broker is down, the periodic flush sends
    them a minute later."""
    try:
        from .tasks import flush_email_outbox

        flush_email_outbox.apply_async()
    except Exception:
        logger.exception("could not enqueue the e-mail outbox flush; the periodic flush will send the mail")


# --- the outbox -------------------------------------------------------------------------------------------------
def _claim_emails(*, now: dt.datetime, batch_size: int) -> list[int]:
    due = Notification.objects.filter(
        emailed_at__isnull=True,
        email_due_at__isnull=False,
        email_due_at__lte=now,
        email_attempts__lt=EMAIL_MAX_ATTEMPTS,
    )
    return claim_due(
        due,
        now=now,
        batch_size=batch_size,
        due_field="email_due_at",
        lease_field="email_claimed_until",
        lease=EMAIL_CLAIM_LEASE,
        also_set={"email_attempts": F("email_attempts") + 1},
    )


def _email_for(notification: Notification) -> EmailMessage:
    language = settings.LANGUAGE_CODE
    subject = pick_language(notification.subject, language)
    body = pick_language(notification.body, language)
    with translation.override(language):
        if notification.level == Level.URGENT:
            subject = gettext("[Urgent] %(subject)s") % {"subject": subject}
        link = f"{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""
        footer = gettext("Open: %(link)s") % {"link": link} if link else ""
    text = "\n\n".join(part for part in (body or subject, footer) if part)
    return EmailMessage(subject=subject.replace("\n", " "), body=text, to=[notification.recipient.email])


def email_outbox_flush(*, now: dt.datetime | None = None, batch_size: int = 50, max_batches: int = 20) -> int:
    """Send the e-mails that are due. Returns how many the mail server accepted."""
    now = now or timezone.now()

    def send(ids: list[int]) -> int:
        notifications = list(
            Notification.objects.filter(pk__in=ids).select_related("recipient").order_by("id")
        )
        connection = get_connection(fail_silently=False)
        try:
            return sum(
                _send_one(notification, connection=connection, now=now) for notification in notifications
            )
        finally:
            connection.close()

    return flush_in_batches(
        claim=lambda: _claim_emails(now=now, batch_size=batch_size),
        send=send,
        batch_size=batch_size,
        max_batches=max_batches,
    )


def _send_one(notification: Notification, *, connection, now: dt.datetime) -> int:
    if not notification.recipient.email or not notification.recipient.is_active:
        Notification.objects.filter(pk=notification.pk).update(email_due_at=None, email_claimed_until=None)
        return 0
    message = _email_for(notification)
    message.connection = connection
    try:
        message.send()
    except Exception as error:
        # After the last attempt the row leaves the outbox (no e-mail due; the error stays for the admin), so that
        # the mails given up on do not pile up in front of the due ones that every flush reads.
        given_up = notification.email_attempts >= EMAIL_MAX_ATTEMPTS
        logger.warning(
            "e-mail for notification %s failed%s: %s",
            notification.pk,
            " for the last time, given up" if given_up else "",
            error,
        )
        Notification.objects.filter(pk=notification.pk).update(
            email_claimed_until=None,
            email_error=str(error)[:1000],
            email_due_at=None if given_up else now + EMAIL_RETRY_DELAY * notification.email_attempts,
        )
        return 0
    Notification.objects.filter(pk=notification.pk).update(
        emailed_at=timezone.now(), email_claimed_until=None, email_error=""
    )
    return 1


# --- reading and marking ----------------------------------------------------------------------------------------
def notification_mark_read(*, notification: Notification, actor) -> Notification:
    if notification.recipient_id != actor.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
