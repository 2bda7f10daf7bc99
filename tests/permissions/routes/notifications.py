"""notifications: each person's own notices; somebody else's answer 404."""

from accounts.roles import Role
from notifications.models import Platform, Robot, RobotMessage

from ..rules import logged_in, only, route

route("notifications:list", get=logged_in(200), post=logged_in(405))
route("notifications:bell", get=logged_in(200), post=logged_in(405))
route("notifications:read_all", get=logged_in(405), post=logged_in(302))
for name in ("open", "read"):
    route(
        f"notifications:{name}",
        get=logged_in(405),
        post=logged_in(lambda who, scenario: 302 if scenario == "own" else 404),
        obj="notification",
    )

# Group-chat robots (issue 8): the administrator's; for everybody else they are not there (404).
ADMIN = {Role.ADMINISTRATOR}


def _robot(world) -> dict:
    made = world.others.get("robot")
    if made and Robot.objects.filter(pk=made["robot"].pk).exists():
        return made
    robot = Robot.objects.create(
        name="矩阵测试群", platform=Platform.WECOM, webhook_url="https://robot.invalid/hook?key=matrix"
    )
    message = RobotMessage.objects.create(robot=robot, kind="matrix", title="矩阵测试")
    world.others["robot"] = made = {"robot": robot, "message": message}
    return made


_one_robot = lambda world, who, s: {"pk": _robot(world)["robot"].pk}  # noqa: E731
route("notifications:robot_list", get=only(ADMIN, 200, 404), post=logged_in(405))
route("notifications:robot_create", get=only(ADMIN, 200, 404), post=only(ADMIN, 400, 404))
route(
    "notifications:robot_detail",
    get=only(ADMIN, 200, 404),
    post=logged_in(405),
    obj=_one_robot,
    scenarios=("-",),
)
route(
    "notifications:robot_edit",
    get=only(ADMIN, 200, 404),
    post=only(ADMIN, 400, 404),
    obj=_one_robot,
    scenarios=("-",),
)
route(
    "notifications:robot_test",
    get=logged_in(405),
    post=only(ADMIN, 302, 404),
    obj=_one_robot,
    scenarios=("-",),
)
route(
    "notifications:robot_message_resend",
    get=logged_in(405),
    post=only(ADMIN, 302, 404),
    obj=lambda world, who, s: {"pk": _robot(world)["robot"].pk, "message_id": _robot(world)["message"].pk},
    scenarios=("-",),
)
