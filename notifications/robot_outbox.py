"""The robot outbox: which robots a notice goes to (routing rules), and sending what is due.

Routing (``robot_messages_route``, called by ``notify_bulk`` in the transaction that writes the notices): a notice
carries, as data, the severity of the record it is about, the departments it concerns and the roles it is
addressed to (callers pass them; the recipients' own departments and roles are added). Each active robot with a
matching rule gets one message per notice, and never the same event twice (``dedup_key``: the notice's key, or
the text and link of the notice).

Timing follows the e-mail's rule: urgent notices (level Ⅲ) at once, day or night; others in working time, else
the next working morning.

Sending (``robot_outbox_flush``) works like the e-mail outbox: due rows are claimed with ``SELECT … FOR UPDATE
SKIP LOCKED`` and a lease committed before anything is sent, so two flushers never post the same message; each
is posted (timeout ``ROBOT_TIMEOUT_SECONDS``) and marked sent. A robot that answers an error or cannot be reached
is retried with a doubling delay (ROBOT_RETRY_BASE_SECONDS × 2ⁿ), at most ROBOT_MAX_ATTEMPTS times; the error is
kept on the message and on the robot for the administrator; after the last attempt the message is given up (the
administrator can send it again). When a robot fails, its other messages of the batch wait for the same retry
time instead of each running into the same timeout."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext

from workcalendar.calendar import next_working_time

from . import robots
from .models import Robot, RobotMessage, RobotRule, pick_language
from .outbox import claim_due, flush_in_batches

logger = logging.getLogger(__name__)

ROBOT_CLAIM_LEASE = dt.timedelta(minutes=2)


def _dedup_key(notice, subject: str, body: str) -> str:
    if notice.dedup_key:
        return notice.dedup_key[:160]
    digest = hashlib.sha256("\x1f".join((subject, body, notice.url)).encode()).hexdigest()
    return f"text:{digest[:48]}"


def _roles_of(user_ids: set[int]) -> dict[int, set[str]]:
    from accounts.models import User

    roles: dict[int, set[str]] = {}
    for user_id, role in User.groups.through.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "group__name"
    ):
        roles.setdefault(user_id, set()).add(role)
    return roles


def robot_messages_route(rendered: Iterable[tuple], *, now: dt.datetime) -> int:
    """``rendered``: (notice, recipients, subject texts, body texts) per notice. Writes the robot messages the
    routing rules ask for; returns how many (duplicates skipped count too)."""
    rendered = list(rendered)
    if not rendered:
        return 0
    rules = list(RobotRule.objects.filter(robot__is_active=True).select_related("robot").order_by("robot_id"))
    if not rules:
        return 0
    need_roles = any(rule.role for rule in rules)
    roles_by_user = (
        _roles_of({user.pk for _n, people, _s, _b in rendered for user in people}) if need_roles else {}
    )
    normal_due: dt.datetime | None = None
    rows: list[RobotMessage] = []
    for notice, people, subject, body in rendered:
        departments = set(notice.departments or ()) | {u.department_id for u in people if u.department_id}
        roles = set(notice.roles or ())
        for user in people:
            roles |= roles_by_user.get(user.pk, set())
        severity = notice.severity or ""
        robots_hit: dict[int, Robot] = {}
        for rule in rules:
            if rule.robot_id not in robots_hit and rule.matches(
                departments=departments, roles=roles, severity=severity
            ):
                robots_hit[rule.robot_id] = rule.robot
        if not robots_hit:
            continue
        if notice.urgent:
            due = now
        else:
            normal_due = normal_due or next_working_time(now)
            due = normal_due
        title = pick_language(subject, settings.LANGUAGE_CODE)
        text = pick_language(body, settings.LANGUAGE_CODE)
        key = _dedup_key(notice, title, text)
        rows.extend(
            RobotMessage(
                robot=robot,
                kind=notice.kind,
                title=title[:300],
                text=text,
                url=notice.url,
                reference=notice.reference or getattr(notice.feedback, "number", "") or "",
                deadline=notice.deadline,
                urgent=notice.urgent,
                dedup_key=key,
                created_at=now,
                due_at=due,
            )
            for robot in robots_hit.values()
        )
    if not rows:
        return 0
    RobotMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    if any(row.due_at <= now for row in rows):
        transaction.on_commit(nudge_robot_outbox)
    return len(rows)


def robot_test_message(*, robot: Robot, actor) -> RobotMessage:
    """The administrator's "send a test message": through the outbox like any notice, at once."""
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        message = RobotMessage.objects.create(
            robot=robot,
            kind="robot_test",
            title=gettext("Test message from the after-sales feedback system"),
            text=gettext("Sent by %(user)s. Notices routed to this robot will look like this.")
            % {"user": actor},
            url="/",
            urgent=False,
            created_at=now,
            due_at=now,
        )
    transaction.on_commit(nudge_robot_outbox)
    return message


def robot_message_retry(*, message: RobotMessage) -> RobotMessage:
    """Send a given-up message again (a fresh set of attempts)."""
    if message.sent_at is None:
        RobotMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
            due_at=timezone.now(), attempts=0, claimed_until=None
        )
        transaction.on_commit(nudge_robot_outbox)
    message.refresh_from_db()
    return message


def nudge_robot_outbox() -> None:
    """Ask a worker to post the due robot messages now; never fails (the periodic flush catches up)."""
    try:
        from .tasks import flush_robot_outbox

        flush_robot_outbox.apply_async()
    except Exception:
        logger.exception(
            "could not enqueue the robot outbox flush; the periodic flush will post the messages"
        )


# --- sending ----------------------------------------------------------------------------------------------------
def _claim(*, now: dt.datetime, batch_size: int) -> list[int]:
    due = RobotMessage.objects.filter(
        sent_at__isnull=True, due_at__isnull=False, due_at__lte=now, robot__is_active=True
    )
    return claim_due(
        due,
        now=now,
        batch_size=batch_size,
        due_field="due_at",
        lease_field="claimed_until",
        lease=ROBOT_CLAIM_LEASE,
    )


def retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.ROBOT_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def robot_outbox_flush(*, now: dt.datetime | None = None, batch_size: int = 50, max_batches: int = 20) -> int:
    """Post the robot messages that are due. Returns how many the robots took."""
    now = now or timezone.now()

    def send(ids: list[int]) -> int:
        sent = 0
        failed_robots: dict[int, dt.datetime] = {}
        for message in RobotMessage.objects.filter(pk__in=ids).select_related("robot").order_by("id"):
            if message.robot_id in failed_robots:
                RobotMessage.objects.filter(pk=message.pk).update(
                    claimed_until=None, due_at=failed_robots[message.robot_id]
                )
                continue
            retry_at = _send_one(message, now=now)
            if retry_at is None:
                sent += 1
            else:
                failed_robots[message.robot_id] = retry_at
        return sent

    return flush_in_batches(
        claim=lambda: _claim(now=now, batch_size=batch_size),
        send=send,
        batch_size=batch_size,
        max_batches=max_batches,
    )


def _send_one(message: RobotMessage, *, now: dt.datetime) -> dt.datetime | None:
    """Post one message; None when the robot took it, else when it will be tried again."""
    attempts = message.attempts + 1
    try:
        robots.post(message.robot, message)
    except robots.RobotError as error:
        given_up = attempts >= settings.ROBOT_MAX_ATTEMPTS
        retry_at = now + retry_delay(attempts)
        text = str(error)[:1000]
        logger.warning(
            "robot %s: message %s failed (attempt %s%s): %s",
            message.robot_id,
            message.pk,
            attempts,
            ", given up" if given_up else "",
            text,
        )
        RobotMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1,
            claimed_until=None,
            last_error=text,
            due_at=None if given_up else retry_at,
        )
        Robot.objects.filter(pk=message.robot_id).update(last_error=text, last_error_at=timezone.now())
        return retry_at
    delivered = timezone.now()
    RobotMessage.objects.filter(pk=message.pk).update(
        attempts=F("attempts") + 1, sent_at=delivered, claimed_until=None, due_at=None
    )
    Robot.objects.filter(pk=message.robot_id).update(last_success_at=delivered)
    return None
