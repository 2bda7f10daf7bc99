import contextlib

import pytest

from workcalendar.calendar import forget_cached_calendar


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Each test starts from the calendar in its own database (the process cache is per process, not per test)."""
    forget_cached_calendar()
    yield
    forget_cached_calendar()


def _reset_broker_pools(app) -> None:
    from kombu import pools

    with contextlib.suppress(Exception):
        pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def broker_down(monkeypatch):
    """Tasks are published for real (not run eagerly) to a broker on a closed port: every publish fails.
    Celery reads CELERY_BROKER_URL from the environment before its settings, so both are pointed there."""
    from config.celery import app

    closed = "redis://127.0.0.1:1/0"
    keys = ("task_always_eager", "broker_url", "broker_write_url", "broker_read_url")
    saved = {key: app.conf.get(key) for key in keys}
    monkeypatch.setenv("CELERY_BROKER_URL", closed)
    app.conf.update(task_always_eager=False, broker_url=closed, broker_write_url=None, broker_read_url=None)
    _reset_broker_pools(app)
    try:
        yield closed
    finally:
        monkeypatch.undo()
        app.conf.update(saved)
        _reset_broker_pools(app)


@pytest.fixture
def robot_receiver():
    """A local HTTP server standing in for the WeCom, DingTalk and Feishu webhooks (robot_receiver.py)."""
    from .robot_receiver import RobotReceiver

    receiver = RobotReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def make_robot(robot_receiver):
    """``make_robot("dingtalk", severity="III")``: an active robot of that platform on the receiver, with one rule."""
    from notifications.models import Robot, RobotRule

    def make(platform: str, *, name: str = "", secret: str | None = None, **rule) -> Robot:
        robot = Robot.objects.create(
            name=name or f"{platform} 群",
            platform=platform,
            webhook_url=robot_receiver.url(platform),
            secret=robot_receiver.secret if secret is None and platform != "wecom" else (secret or ""),
        )
        RobotRule.objects.create(robot=robot, **rule)
        return robot

    return make
