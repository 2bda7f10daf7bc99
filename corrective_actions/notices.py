"""Who is told what in the quality loop, through the notifications app (``notifications.services.notify``): the
recipients are resolved here, the notice itself is the notifications app's business (in-app row, e-mail after
commit, working-hours rule, level Ⅲ at once)."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import users_with_role
from notifications.services import notify


def quality_recipients(feedbacks: Iterable) -> list[User]:
    """The quality engineers in charge of these feedbacks; every quality engineer when none is named yet."""
    owners = {f.quality_owner_id for f in feedbacks if f.quality_owner_id}
    if owners:
        return list(User.objects.filter(pk__in=owners, is_active=True))
    return list(users_with_role(Role.QUALITY_ENGINEER))


def send_notice(
    *,
    recipients: Iterable[User],
    kind: str,
    subject,
    body="",
    params: dict | None = None,
    url: str = "",
    feedback=None,
    urgent: bool = False,
    dedup_key: str | None = None,
    exclude: User | None = None,
    deadline=None,
) -> None:
    """Tell ``recipients`` (minus ``exclude``, usually the person who acted): each person once. The feedback's
    severity and responsible departments go with the notice for the group-chat robots' routing rules."""
    seen: set[int] = set()
    people = []
    for user in recipients:
        if user is None or user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        people.append(user)
    if not people:
        return
    notify(
        recipients=people,
        kind=kind,
        subject=subject,
        body=body,
        params=params or {},
        url=url,
        feedback=feedback,
        urgent=urgent,
        dedup_key=dedup_key,
        **routing_of(feedback),
        deadline=deadline,
    )


def routing_of(feedback) -> dict:
    """What the robots' routing rules read about a feedback: its number, severity and responsible departments."""
    if feedback is None or getattr(feedback, "pk", None) is None:
        return {}
    return {
        "reference": feedback.number,
        "severity": feedback.severity or "",
        "departments": sorted({a.department_id for a in feedback.assignments.all()}),
    }
