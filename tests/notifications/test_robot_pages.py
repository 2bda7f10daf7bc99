"""The administrator's robot pages: only the administrator sees them; adding a robot with routing rules, the test
message button, a robot's error shown; a robot that hangs never holds up the request that caused the notice."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from feedback.models import Severity, Status
from notifications.models import Robot, RobotMessage, RobotRule
from notifications.robot_outbox import robot_outbox_flush
from tests.factories import FeedbackFactory

pytestmark = pytest.mark.django_db

NOT_ADMIN = [
    Role.CS_AGENT,
    Role.CS_SUPERVISOR,
    Role.QUALITY_ENGINEER,
    Role.DEPT_MEMBER,
    Role.DEPT_HEAD,
    Role.MANAGEMENT,
]


def robot_routes(robot, message):
    return [
        ("get", reverse("notifications:robot_list")),
        ("get", reverse("notifications:robot_create")),
        ("post", reverse("notifications:robot_create")),
        ("get", reverse("notifications:robot_detail", args=[robot.pk])),
        ("get", reverse("notifications:robot_edit", args=[robot.pk])),
        ("post", reverse("notifications:robot_edit", args=[robot.pk])),
        ("post", reverse("notifications:robot_test", args=[robot.pk])),
        ("post", reverse("notifications:robot_message_resend", args=[robot.pk, message.pk])),
    ]


@pytest.fixture
def robot(make_robot):
    return make_robot("dingtalk", name="管理层群", severity="III")


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_nobody_but_the_administrator_may_see_or_manage_robots(client, users, robot, role):
    message = RobotMessage.objects.create(robot=robot, kind="x", title="t")
    client.force_login(users[role])
    for method, url in robot_routes(robot, message):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (role, method, url)
    assert Robot.objects.count() == 1 and not RobotMessage.objects.exclude(pk=message.pk).exists()


def test_anonymous_users_are_sent_to_the_login_page(client, robot):
    message = RobotMessage.objects.create(robot=robot, kind="x", title="t")
    for method, url in robot_routes(robot, message):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_the_administrator_adds_a_dingtalk_robot_with_routing_rules(
    client, users, departments, robot_receiver
):
    client.force_login(users[Role.ADMINISTRATOR])
    form = {
        "name": "研发部群",
        "platform": "dingtalk",
        "webhook_url": robot_receiver.url("dingtalk"),
        "secret": "",
        "is_active": "on",
        "rules-TOTAL_FORMS": "3",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-department": str(departments["rd"].pk),
        "rules-1-severity": "III",
        "rules-1-role": Role.MANAGEMENT,
    }

    refused = client.post(reverse("notifications:robot_create"), form)
    assert refused.status_code == 400
    assert "签名密钥" in refused.content.decode()  # a DingTalk robot needs its secret
    assert not Robot.objects.filter(name="研发部群").exists()

    response = client.post(reverse("notifications:robot_create"), {**form, "secret": robot_receiver.secret})
    robot = Robot.objects.get(name="研发部群")
    assert response.status_code == 302
    assert robot.secret == robot_receiver.secret
    assert set(RobotRule.objects.filter(robot=robot).values_list("department__code", "role", "severity")) == {
        ("rd", "", ""),
        (None, Role.MANAGEMENT, "III"),
    }

    page = client.get(reverse("notifications:robot_detail", args=[robot.pk])).content.decode()
    assert "研发部" in page and robot_receiver.secret not in page and "tok-dingtalk" not in page

    # editing without typing the secret again keeps it
    edit = {**form, "rules-TOTAL_FORMS": "0", "name": "研发部群（新）"}
    client.post(reverse("notifications:robot_edit", args=[robot.pk]), edit)
    robot.refresh_from_db()
    assert robot.name == "研发部群（新）" and robot.secret == robot_receiver.secret


def test_the_test_button_posts_a_message_and_the_page_shows_a_robot_error(
    client, users, robot, robot_receiver, django_capture_on_commit_callbacks
):
    client.force_login(users[Role.ADMINISTRATOR])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:robot_test", args=[robot.pk]))
    assert response.status_code == 302
    assert robot_receiver.of("dingtalk")[0].signature_ok
    assert RobotMessage.objects.get(kind="robot_test").sent_at is not None

    robot_receiver.script("dingtalk", ["error"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notifications:robot_test", args=[robot.pk]))
    page = client.get(reverse("notifications:robot_detail", args=[robot.pk])).content.decode()
    assert "130101" in page and "重试中" in page
    listing = client.get(reverse("notifications:robot_list")).content.decode()
    assert "130101" in listing


@pytest.mark.django_db(transaction=True)
def test_a_robot_that_hangs_never_holds_up_the_request_that_caused_the_notice(
    client, users, make_robot, robot_receiver, celery_worker_factory
):
    # given a management group whose robot does not answer, and a worker that waits 1 s for a robot
    make_robot("wecom", name="管理层群", severity="III")
    robot_receiver.hang_seconds = 10
    robot_receiver.script("wecom", ["hang"])
    worker = celery_worker_factory(env={"ROBOT_TIMEOUT_SECONDS": "1"})
    feedback = FeedbackFactory(status=Status.REGISTERED)
    qe = users[Role.QUALITY_ENGINEER]
    client.force_login(qe)

    # when the quality engineer grades the feedback Ⅲ on its page
    from catalog.models import FaultPhenomenon

    phenomenon = FaultPhenomenon.objects.create(name="漏电")
    response = client.post(
        reverse("feedback:classify", args=[feedback.number]),
        {
            "version": feedback.version,
            "category": "functional",
            "fault_phenomenon": phenomenon.pk,
            "severity": Severity.URGENT,
        },
    )

    # then the page answers at once: the message is queued, not yet tried
    assert response.status_code == 302
    message = RobotMessage.objects.get()
    assert message.attempts == 0 and message.sent_at is None
    # and the worker's attempt times out and is kept for a retry, the error visible
    worker.wait_for(lambda: RobotMessage.objects.filter(attempts=1).exists(), timeout=30)
    message.refresh_from_db()
    assert "timed out" in message.last_error and message.due_at is not None
    robot_receiver.release.set()
    assert robot_outbox_flush(now=message.due_at) == 1
    assert len(robot_receiver.of("wecom")) == 2
