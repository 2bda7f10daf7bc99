"""The feedback side of the deadlines (sla.ports): whether a feedback waits, its registration deadline, and who
hears about a deadline turning due soon or overdue, in what words. Provided to sla at start-up (feedback/apps.py).

Who receives what (DOMAIN.md "Deadlines"): the owner of the clock's step; when overdue also the escalation (the
supervisor for customer service's steps, the department heads of the owners otherwise), and management when the
feedback is level Ⅲ or the clock is the emergency response's."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from notifications.services import Notice
from sla.models import ClockKind, SlaClock
from workcalendar.calendar import CHINA

from .models import Assignment, Feedback, Pause, Severity


class FeedbackClocks:
    """sla.ports.ClockSubject for feedback."""

    def is_waiting(self, feedback) -> bool:
        return Pause.objects.filter(feedback=feedback, ended_at__isnull=True).exists()

    def registration_due_changed(self, *, feedback_ids: Iterable[int], due_at) -> None:
        Feedback.objects.filter(pk__in=feedback_ids).exclude(registration_due_at=due_at).update(
            registration_due_at=due_at
        )

    def deadline_notices(self, clocks: list[SlaClock], *, phase: str) -> list[Notice]:
        directory = _Directory(clocks)
        return [_notice(clock, phase=phase, directory=directory) for clock in clocks]


class _Directory:
    """Everyone a batch of notices may go to, read in a constant number of queries."""

    ROLES = (Role.CS_SUPERVISOR, Role.QUALITY_ENGINEER, Role.MANAGEMENT, Role.DEPT_HEAD)

    def __init__(self, clocks: list[SlaClock]) -> None:
        self.by_role: dict[str, list] = {role: [] for role in self.ROLES}
        self.heads_by_department: dict[int, list] = {}
        memberships = (
            User.groups.through.objects.filter(group__name__in=self.ROLES, user__is_active=True)
            .select_related("user", "group")
            .order_by("user_id")
        )
        for membership in memberships:
            user, role = membership.user, membership.group.name
            self.by_role[role].append(user)
            if role == Role.DEPT_HEAD and user.department_id:
                self.heads_by_department.setdefault(user.department_id, []).append(user)
        needs_assignments = {
            clock.feedback_id for clock in clocks if clock.kind in (ClockKind.EMERGENCY, ClockKind.CAPA_FORM)
        }
        self.assignments: dict[int, list] = {}
        if needs_assignments:
            for assignment in (
                Assignment.objects.filter(feedback_id__in=needs_assignments)
                .select_related("owner")
                .order_by("-is_lead", "id")
            ):
                self.assignments.setdefault(assignment.feedback_id, []).append(assignment)

    def heads_of(self, users) -> list:
        departments = {user.department_id for user in users if user.department_id}
        return [
            head
            for department in sorted(departments)
            for head in self.heads_by_department.get(department, [])
        ]

    def quality(self, feedback) -> list:
        return (
            [feedback.quality_owner] if feedback.quality_owner_id else list(self.by_role["quality_engineer"])
        )

    def recipients(self, clock: SlaClock) -> tuple[list, list]:
        """(owners, escalation) for ``clock``."""
        feedback, kind = clock.feedback, clock.kind
        if kind in (ClockKind.REGISTRATION, ClockKind.CALLBACK):
            return [feedback.cs_owner], list(self.by_role["cs_supervisor"])
        if kind in (ClockKind.VERIFICATION, ClockKind.EFFECT_VERIFICATION):
            owners = self.quality(feedback)
            return owners, self.heads_of(owners)
        if kind == ClockKind.EMERGENCY:
            assignees = [a.owner for a in self.assignments.get(feedback.pk, [])]
            owners = self.quality(feedback) + assignees
            return owners, self.heads_of(owners)
        if kind == ClockKind.CAPA_FORM:
            assignments = self.assignments.get(feedback.pk, [])
            lead = [a for a in assignments if a.is_lead][:1] or assignments
            departments = sorted({a.department_id for a in lead})
            return [a.owner for a in lead], [
                h for d in departments for h in self.heads_by_department.get(d, [])
            ]
        if kind == ClockKind.MEASURE and clock.measure_id:
            owner = clock.measure.owner
            return [owner], self.heads_of([owner])
        return [], []


DUE_SOON_SUBJECT = _("%(number)s: %(clock)s due soon (%(due)s)")
DUE_SOON_BODY = _(
    "The %(clock)s deadline of feedback %(number)s is %(due)s. Owner: %(owner)s. Please act before the deadline."
)
OVERDUE_SUBJECT = _("%(number)s: %(clock)s overdue (due %(due)s)")
OVERDUE_BODY = _("The %(clock)s deadline of feedback %(number)s passed at %(due)s. Owner: %(owner)s.")


def _notice(clock: SlaClock, *, phase: str, directory: _Directory) -> Notice:
    feedback = clock.feedback
    owners, escalation = directory.recipients(clock)
    owners = [user for user in owners if user is not None]
    urgent = clock.kind == ClockKind.EMERGENCY or feedback.severity == Severity.URGENT
    recipients = list(owners)
    if phase == "overdue":
        recipients += escalation
        if urgent:
            recipients += directory.by_role["management"]
    elif clock.kind == ClockKind.EMERGENCY:
        recipients += directory.by_role["management"]
    clock_name = clock.get_kind_display()
    if clock.kind == ClockKind.MEASURE and clock.measure_id:
        clock_name = format_lazy("{} “{}”", clock_name, clock.measure.description[:40])
    params = {
        "number": feedback.number,
        "clock": clock_name,
        "due": timezone.localtime(clock.due_at, CHINA).strftime("%Y-%m-%d %H:%M"),
        "owner": "、".join(str(user) for user in owners) or "—",
    }
    departments = {a.department_id for a in directory.assignments.get(feedback.pk, [])}
    if clock.kind == ClockKind.MEASURE and clock.measure_id and clock.measure.department_id:
        departments.add(clock.measure.department_id)
    return Notice(
        recipients=recipients,
        kind=f"sla.{phase}",
        severity=feedback.severity or "",
        departments=sorted(departments),
        reference=feedback.number,
        deadline=clock.due_at,
        subject=OVERDUE_SUBJECT if phase == "overdue" else DUE_SOON_SUBJECT,
        body=OVERDUE_BODY if phase == "overdue" else DUE_SOON_BODY,
        params=params,
        url=feedback_url(feedback),
        feedback=feedback,
        urgent=urgent,
        dedup_key=f"sla:{clock.pk}:{phase}",
    )


def feedback_url(feedback) -> str:
    try:
        return feedback.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return ""
