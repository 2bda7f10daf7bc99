import pytest
from django.utils import translation

from accounts.roles import Role
from intake.integrations import integration_create
from tests.factories import ProductLineFactory, ProductModelFactory
from workcalendar.calendar import forget_cached_calendar


@pytest.fixture(autouse=True)
def _fresh_calendar():
    forget_cached_calendar()
    yield
    forget_cached_calendar()


@pytest.fixture
def aircon(db):
    line = ProductLineFactory(code="aircon", name="空调")
    return ProductModelFactory(line=line, code="KFR-35GW", name="智能空调")


@pytest.fixture
def fridge(db):
    line = ProductLineFactory(code="fridge", name="冰箱")
    return ProductModelFactory(line=line, code="BCD-520W", name="对开门冰箱")


@pytest.fixture
def make_integration(users):
    """``make_integration("在线客服平台", channel="online_chat")`` → (integration, token in clear)."""

    def make(name: str = "在线客服平台", *, channel: str = "online_chat", **extra):
        with translation.override("zh-hans"):
            return integration_create(actor=users[Role.ADMINISTRATOR], name=name, channel=channel, **extra)

    return make


@pytest.fixture
def online(make_integration):
    return make_integration()


@pytest.fixture
def api(client):
    """``api(token).post(url, data)``: the test client with the integration's Authorization header."""

    class Api:
        def __init__(self, token: str, language: str | None = None):
            self.headers = {"Authorization": f"Bearer {token}"} if token else {}
            if language:
                self.headers["Accept-Language"] = language

        def get(self, url, **kwargs):
            return client.get(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

        def post(self, url, data=None, *, json=True, **kwargs):
            headers = {**self.headers, **kwargs.pop("headers", {})}
            if json:
                return client.post(url, data, content_type="application/json", headers=headers, **kwargs)
            return client.post(url, data, headers=headers, **kwargs)

    return Api
