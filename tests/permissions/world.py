"""The world the permission matrix asks about: one user per role, and records in three relations to them.

Identities (``WHO``): anonymous and the seven roles. Customer service (agent, supervisor) is in 客服部, the quality
engineer in 质量部, the department member and head in 研发部; management and the administrator have no department.

Scenarios (``SCENARIOS``), each a feedback with what hangs off it:
- ``own``: assigned to 研发部 (the department member's and head's own department), registered by the agent; its
  CAPA form is led by 研发部 and accepted (measures in progress), with a measure and evidence on both;
- ``other``: assigned to 生产部 (another department), registered by another agent; its CAPA form led by 生产部;
- ``unassigned``: registered by the agent, not yet verified or assigned to any department (no CAPA form).

Notifications: ``own`` is one addressed to the identity asking, ``other`` one addressed to somebody else."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from corrective_actions import services as capa_services
from corrective_actions.models import Capa, CapaAttachment, Measure
from feedback.models import Attachment, Feedback
from feedback.services import attachment_add
from notifications.models import Notification
from notifications.services import notify
from tests.factories import DepartmentFactory, FeedbackFactory, UserFactory
from tests.factories.capa import Loop
from tests.files import png_bytes

ANONYMOUS = "anonymous"
WHO = [
    ANONYMOUS,
    Role.CS_AGENT,
    Role.CS_SUPERVISOR,
    Role.QUALITY_ENGINEER,
    Role.DEPT_MEMBER,
    Role.DEPT_HEAD,
    Role.MANAGEMENT,
    Role.ADMINISTRATOR,
]
OWN, OTHER, UNASSIGNED = "own", "other", "unassigned"
SCENARIOS = [OWN, OTHER, UNASSIGNED]


@dataclass
class Case:
    """One scenario's records."""

    feedback: Feedback
    attachment: Attachment
    capa: Capa | None = None
    measure: Measure | None = None
    capa_attachment: CapaAttachment | None = None


@dataclass
class World:
    users: dict[str, object]
    cases: dict[str, Case]
    notifications: dict[str, Notification] = field(default_factory=dict)
    others: dict[str, object] = field(default_factory=dict)
    admin_objects: dict[type, object] = field(default_factory=dict)

    def notification(self, who: str, scenario: str) -> Notification:
        """``own``: the identity's own notice (the agent's for anonymous); ``other``: somebody else's."""
        if scenario == OTHER:
            return self.notifications["__other__"]
        return self.notifications[who if who != ANONYMOUS else Role.CS_AGENT]


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(4, 4), content_type="image/png")


def _loop_through_capa(
    users: dict, departments: dict, feedback: Feedback, dept_key: str, member, head
) -> Case:
    loop = Loop(users, departments, feedback=feedback)
    loop.verify()
    loop.classify()
    loop.grade("II")
    department = departments[dept_key]
    loop.assign(owners={department: member}, lead=department)
    loop.open_capa(actor=member)
    measure = loop.add_measure(owner=member, actor=member)
    loop.submit(actor=head)
    loop.review("accepted")
    capa_attachment = capa_services.capa_attachment_add(
        capa=loop.capa, actor=member, upload=_upload("措施证据.png"), measure=measure
    )
    attachment = attachment_add(
        feedback=loop.feedback, actor=users[Role.CS_AGENT], upload=_upload("故障照片.png")
    )
    loop.reload()
    return Case(
        feedback=loop.feedback,
        attachment=attachment,
        capa=loop.capa,
        measure=measure,
        capa_attachment=capa_attachment,
    )


def _admin_objects(users: dict) -> dict[type, object]:
    """One record of every model the admin shows (the ones no scenario made are made here)."""
    import datetime as dt

    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib import admin
    from django.utils import timezone

    from sla.models import ClockKind, SlaSetting
    from workcalendar.models import CalendarDay, CalendarYear

    CalendarDay.objects.create(date=dt.date(2031, 5, 5), is_working=False, name="矩阵测试")
    CalendarYear.objects.create(year=2031, note="矩阵测试")
    SlaSetting.objects.get_or_create(kind=ClockKind.REGISTRATION, defaults={"length_working_days": 1})
    attempt = {
        "user_agent": "matrix",
        "ip_address": "10.0.0.9",
        "username": "m_nobody",
        "http_accept": "*/*",
        "path_info": "/login/",
    }
    AccessAttempt.objects.create(**attempt, failures_since_start=1, attempt_time=timezone.now())
    AccessLog.objects.create(**attempt, attempt_time=timezone.now())
    AccessFailureLog.objects.create(**attempt, attempt_time=timezone.now(), locked_out=False)
    from accounts.models import PersonalDataAccess

    PersonalDataAccess.objects.create(
        user=users[Role.QUALITY_ENGINEER], record="PF209901001", fields="contact_phone", where="matrix"
    )
    objects = {model: model.objects.order_by("pk").first() for model in admin.site._registry}
    for obj in objects.values():
        if hasattr(obj, "history") and not obj.history.exists():
            obj.save()  # rows made by a data migration have no history row yet
    return objects


def build_world() -> World:
    departments = {
        code: DepartmentFactory(code=code, name=name)
        for code, name in (
            ("rd", "研发部"),
            ("production", "生产部"),
            ("quality", "质量部"),
            ("cs", "客服部"),
        )
    }
    users = {
        Role.CS_AGENT: UserFactory(username="m_agent", role=Role.CS_AGENT, department=departments["cs"]),
        Role.CS_SUPERVISOR: UserFactory(
            username="m_supervisor", role=Role.CS_SUPERVISOR, department=departments["cs"]
        ),
        Role.QUALITY_ENGINEER: UserFactory(
            username="m_quality", role=Role.QUALITY_ENGINEER, department=departments["quality"]
        ),
        Role.DEPT_MEMBER: UserFactory(
            username="m_member", role=Role.DEPT_MEMBER, department=departments["rd"]
        ),
        Role.DEPT_HEAD: UserFactory(username="m_head", role=Role.DEPT_HEAD, department=departments["rd"]),
        Role.MANAGEMENT: UserFactory(username="m_manager", role=Role.MANAGEMENT),
        Role.ADMINISTRATOR: UserFactory(username="m_admin", role=Role.ADMINISTRATOR, is_staff=True),
    }
    others = {
        "agent2": UserFactory(username="m_agent2", role=Role.CS_AGENT, department=departments["cs"]),
        "prod_member": UserFactory(
            username="m_prod_member", role=Role.DEPT_MEMBER, department=departments["production"]
        ),
        "prod_head": UserFactory(
            username="m_prod_head", role=Role.DEPT_HEAD, department=departments["production"]
        ),
    }
    own = _loop_through_capa(
        users,
        departments,
        FeedbackFactory(registered_by=users[Role.CS_AGENT], customer_name="本部门客户"),
        "rd",
        users[Role.DEPT_MEMBER],
        users[Role.DEPT_HEAD],
    )
    other = _loop_through_capa(
        users,
        departments,
        FeedbackFactory(registered_by=others["agent2"], customer_name="外部门客户"),
        "production",
        others["prod_member"],
        others["prod_head"],
    )
    unassigned_feedback = FeedbackFactory(registered_by=users[Role.CS_AGENT], customer_name="未分派客户")
    unassigned = Case(
        feedback=unassigned_feedback,
        attachment=attachment_add(
            feedback=unassigned_feedback, actor=users[Role.CS_AGENT], upload=_upload("登记照片.png")
        ),
    )
    world = World(users=users, cases={OWN: own, OTHER: other, UNASSIGNED: unassigned}, others=others)
    world.admin_objects = _admin_objects(users)
    for key, user in [*users.items(), ("__other__", others["agent2"])]:
        notify(recipients=[user], kind="matrix", subject="矩阵测试通知", dedup_key=f"matrix:{key}")
        world.notifications[key] = Notification.objects.filter(recipient=user, kind="matrix").latest("id")
    return world
