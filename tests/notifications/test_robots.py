"""Group-chat robots: notices routed by department, role and severity, posted in each platform's signed format,
retried with back-off when the robot answers an error or does not answer, each message sent once."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from feedback.models import Severity
from notifications.models import Robot, RobotMessage
from notifications.robot_outbox import robot_outbox_flush, robot_test_message
from notifications.services import notify
from sla.models import ClockKind
from sla.services import clock_start, clocks_sweep
from tests.factories import AssignmentFactory, DepartmentFactory, FeedbackFactory, UserFactory

pytestmark = pytest.mark.django_db


def urgent_notice(feedback, *, recipients=(), **extra):
    return notify(
        recipients=recipients,
        kind="emergency",
        subject=f"Ⅲ 级（紧急）：{feedback.number} 漏电",
        body="客户原话：机身漏电，手碰到有麻感",
        url=feedback.get_absolute_url(),
        feedback=feedback,
        urgent=True,
        severity="III",
        reference=feedback.number,
        deadline=timezone.now() + dt.timedelta(hours=24),
        **extra,
    )


def test_each_platform_gets_a_signed_message_with_the_number_what_happened_the_deadline_and_a_link(
    robot_receiver, make_robot, settings
):
    settings.SITE_URL = "https://aftersales.example.com"
    for platform in ("wecom", "dingtalk", "feishu"):
        make_robot(platform, severity="III")
    feedback = FeedbackFactory(severity=Severity.URGENT)

    urgent_notice(feedback, recipients=[UserFactory(role=Role.MANAGEMENT)])
    assert robot_outbox_flush() == 3

    link = f"https://aftersales.example.com/feedback/{feedback.number}/"
    received = {r.platform: r for r in robot_receiver.received}
    assert set(received) == {"wecom", "dingtalk", "feishu"}
    assert all(r.signature_ok for r in received.values()), [r.problem for r in received.values()]
    wecom = received["wecom"].payload["markdown"]["content"]
    dingtalk = received["dingtalk"].payload["markdown"]["text"]
    card = received["feishu"].payload["card"]
    for text in (wecom, dingtalk, str(card)):
        assert feedback.number in text
        assert "漏电" in text
        assert "截止时间" in text
        assert link in text
    assert card["header"]["template"] == "red"
    assert RobotMessage.objects.filter(sent_at__isnull=False).count() == 3


def test_a_message_is_sent_once_however_often_the_outbox_is_flushed_or_the_event_repeats(
    robot_receiver, make_robot
):
    make_robot("dingtalk", severity="III")
    feedback = FeedbackFactory(severity=Severity.URGENT)

    urgent_notice(feedback, dedup_key=f"emergency:{feedback.pk}")
    urgent_notice(feedback, dedup_key=f"emergency:{feedback.pk}")
    robot_outbox_flush()
    robot_outbox_flush()

    assert len(robot_receiver.received) == 1
    assert RobotMessage.objects.count() == 1


def test_routing_by_severity_department_and_role(robot_receiver, make_robot):
    rd = DepartmentFactory(code="rd", name="研发部")
    production = DepartmentFactory(code="production", name="生产部")
    management_group = make_robot("wecom", name="管理层群", severity="III")
    rd_group = make_robot("dingtalk", name="研发部群", department=rd)
    supervisors_group = make_robot("feishu", name="客服主管群", role=Role.CS_SUPERVISOR)
    rd_member = UserFactory(role=Role.DEPT_MEMBER, department=rd)
    supervisor = UserFactory(role=Role.CS_SUPERVISOR)
    feedback = FeedbackFactory(severity=Severity.SERIOUS)

    # a level Ⅱ notice about 研发部 (its department passed as data) to nobody of 研发部
    notify(
        recipients=[UserFactory(role=Role.QUALITY_ENGINEER)],
        kind="x",
        subject="关于研发部",
        departments=[rd.pk],
        severity="II",
    )
    # a notice to a member of 生产部 only
    notify(
        recipients=[UserFactory(role=Role.DEPT_MEMBER, department=production)], kind="x", subject="关于生产部"
    )
    # a notice to 研发部's member: the recipient's department counts
    notify(recipients=[rd_member], kind="x", subject="给研发部成员")
    # a notice to a customer service supervisor: the recipient's role counts
    notify(recipients=[supervisor], kind="x", subject="给客服主管")
    # a level Ⅲ notice
    urgent_notice(feedback)

    titles = {
        robot.name: set(RobotMessage.objects.filter(robot=robot).values_list("title", flat=True))
        for robot in (management_group, rd_group, supervisors_group)
    }
    assert titles["研发部群"] == {"给研发部成员", "关于研发部"}
    assert titles["客服主管群"] == {"给客服主管"}
    assert titles["管理层群"] == {f"Ⅲ 级（紧急）：{feedback.number} 漏电"}


def test_a_rule_may_combine_criteria_and_an_inactive_robot_gets_nothing(robot_receiver, make_robot):
    rd = DepartmentFactory(code="rd", name="研发部")
    combined = make_robot("wecom", name="研发部紧急", department=rd, severity="III")
    off = make_robot("dingtalk", name="停用", severity="III")
    Robot.objects.filter(pk=off.pk).update(is_active=False)
    feedback = FeedbackFactory(severity=Severity.URGENT)

    urgent_notice(feedback)  # Ⅲ but not about 研发部
    urgent_notice(feedback, departments=[rd.pk], dedup_key="rd-iii")  # Ⅲ about 研发部

    assert list(RobotMessage.objects.filter(robot=combined).values_list("dedup_key", flat=True)) == ["rd-iii"]
    assert not RobotMessage.objects.filter(robot=off).exists()


def test_the_sweep_and_the_lifecycle_pass_their_routing_data(robot_receiver, make_robot, users):
    # the management group takes every level Ⅲ notice; 研发部's group every notice about 研发部
    management_group = make_robot("wecom", name="管理层群", severity="III")
    rd_group = make_robot("dingtalk", name="研发部群", department=users[Role.DEPT_MEMBER].department)
    feedback = FeedbackFactory(severity=Severity.URGENT, quality_owner=users[Role.QUALITY_ENGINEER])
    AssignmentFactory(
        feedback=feedback, department=users[Role.DEPT_MEMBER].department, owner=users[Role.DEPT_MEMBER]
    )
    clock = clock_start(
        feedback=feedback, kind=ClockKind.EMERGENCY, start=timezone.now() - dt.timedelta(hours=25)
    )

    clocks_sweep()

    for robot in (management_group, rd_group):
        message = RobotMessage.objects.get(robot=robot)
        assert message.reference == feedback.number
        assert message.deadline == clock.due_at
        assert message.urgent
    assert robot_outbox_flush() == 2
    assert all(r.signature_ok for r in robot_receiver.received)


def test_a_robot_error_is_retried_with_a_growing_delay_and_sent_once_it_answers(
    robot_receiver, make_robot, settings
):
    settings.ROBOT_RETRY_BASE_SECONDS = 30
    robot = make_robot("feishu", severity="III")
    robot_receiver.script("feishu", ["error", "http500", "ok"])
    urgent_notice(FeedbackFactory(severity=Severity.URGENT))
    now = timezone.now()

    assert robot_outbox_flush(now=now) == 0
    message = RobotMessage.objects.get()
    assert (message.attempts, message.due_at) == (1, now + dt.timedelta(seconds=30))
    assert "9499" in message.last_error
    robot.refresh_from_db()
    assert "9499" in robot.current_error

    assert robot_outbox_flush(now=now + dt.timedelta(seconds=20)) == 0  # not due yet: nothing posted
    assert len(robot_receiver.received) == 1
    assert robot_outbox_flush(now=now + dt.timedelta(seconds=31)) == 0
    message.refresh_from_db()
    assert message.attempts == 2 and "HTTP 500" in message.last_error
    assert message.due_at == now + dt.timedelta(seconds=31 + 60)

    assert robot_outbox_flush(now=now + dt.timedelta(seconds=92)) == 1
    assert robot_outbox_flush(now=now + dt.timedelta(hours=1)) == 0
    message.refresh_from_db()
    robot.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 3
    assert robot.current_error == ""
    assert len(robot_receiver.received) == 3


def test_a_wrong_signing_secret_is_refused_by_the_platform_and_shown(robot_receiver, make_robot):
    robot = make_robot("dingtalk", severity="III", secret="SECnot-the-right-one")
    urgent_notice(FeedbackFactory(severity=Severity.URGENT))

    robot_outbox_flush()

    assert robot_receiver.received[0].signature_ok is False
    robot.refresh_from_db()
    assert robot.current_error.startswith("310000")


def test_a_robot_that_does_not_answer_times_out_and_its_other_messages_wait(
    robot_receiver, make_robot, settings
):
    settings.ROBOT_TIMEOUT_SECONDS = 0.5
    robot_receiver.hang_seconds = 3
    make_robot("wecom", severity="III")
    robot_receiver.script("wecom", ["hang"])
    for n in range(3):
        urgent_notice(FeedbackFactory(severity=Severity.URGENT), dedup_key=f"n{n}")
    now = timezone.now()

    assert robot_outbox_flush(now=now) == 0

    messages = list(RobotMessage.objects.order_by("id"))
    assert "timed out" in messages[0].last_error
    assert [m.attempts for m in messages] == [1, 0, 0]  # one timeout, not three
    assert {m.due_at for m in messages} == {now + dt.timedelta(seconds=settings.ROBOT_RETRY_BASE_SECONDS)}
    robot_receiver.release.set()
    assert robot_outbox_flush(now=now + dt.timedelta(minutes=5)) == 3


def test_an_unreachable_robot_is_given_up_after_the_last_attempt_and_can_be_sent_again(make_robot, settings):
    settings.ROBOT_MAX_ATTEMPTS = 2
    robot = make_robot("wecom", severity="III")
    Robot.objects.filter(pk=robot.pk).update(webhook_url="http://127.0.0.1:9/cgi-bin/webhook/send?key=x")
    urgent_notice(FeedbackFactory(severity=Severity.URGENT))
    now = timezone.now()

    robot_outbox_flush(now=now)
    robot_outbox_flush(now=now + dt.timedelta(hours=1))

    message = RobotMessage.objects.get()
    assert message.state == "failed"
    assert message.attempts == 2 and "unreachable" in message.last_error
    assert robot_outbox_flush(now=now + dt.timedelta(days=1)) == 0


def test_non_urgent_messages_wait_for_working_time_like_e_mail(make_robot):
    from workcalendar.calendar import CHINA

    make_robot("wecom")
    saturday_night = dt.datetime(2025, 10, 4, 22, 0, tzinfo=CHINA)  # National Day holiday

    notify(recipients=[], kind="x", subject="普通通知", now=saturday_night)
    urgent_notice(FeedbackFactory(severity=Severity.URGENT))

    normal = RobotMessage.objects.get(title="普通通知")
    assert normal.due_at == dt.datetime(2025, 10, 9, 8, 30, tzinfo=CHINA)
    assert RobotMessage.objects.exclude(pk=normal.pk).get().urgent


def test_the_test_message_goes_through_the_outbox(robot_receiver, make_robot, users):
    robot = make_robot("feishu")
    robot_test_message(robot=robot, actor=users[Role.ADMINISTRATOR])

    assert robot_outbox_flush() == 1
    assert robot_receiver.received[0].signature_ok
    assert "测试消息" in robot_receiver.received[0].payload["card"]["header"]["title"]["content"]
