"""管理驾驶舱, the whole page (every widget, its tables, links and chart data, templates included) through Django's
test client, on the data set of bench_dashboard.py (its ``build()``: two years of realistic feedback with every
clock, CAPA forms, measures and callbacks; ``BENCH_SCALE`` for the size, 100,000 by default). Beside
bench_dashboard's figures alone, the difference is what the page costs. The issue's target: under 150 ms server
time and a constant number of queries (django-helpdesk's dashboard takes 1,653 ms at the same size)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from bench.bench_dashboard import TOTAL
from bench.bench_dashboard import build as build_data
from bench.harness import Result, measure
from feedback.models import Feedback

URL = "/reports/dashboard/"


def _page(client: Client, params: dict, *, must_contain: str, status: int = 200):
    def fetch():
        response = client.get(URL, params)
        assert response.status_code == status, response.status_code
        assert must_contain in response.content.decode(), must_contain

    return fetch


@override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False)
def run() -> list[Result]:
    data = build_data()
    assert Feedback.objects.count() == TOTAL
    manager = User.objects.create(username="bench_boss", name="总经理")
    manager.groups.add(Group.objects.get(name=Role.MANAGEMENT))
    clients = {}
    for who, user in (("manager", manager), ("head", data["head"])):
        clients[who] = Client()
        clients[who].force_login(user)
    last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    last_month = {"month": f"{last:%Y-%m}"}
    size = f"{TOTAL:,} feedbacks"
    charts = 'id="dashboard-data"'
    return [
        measure(
            "dashboard page: last month, management (all widgets)",
            _page(clients["manager"], last_month, must_contain=charts),
            size=size,
        ),
        measure(
            "dashboard page: current month (the default), management",
            _page(clients["manager"], {}, must_contain=charts),
            size=size,
        ),
        measure(
            "dashboard page: last 90 days, management",
            _page(clients["manager"], {"preset": "last90"}, must_contain=charts),
            size=size,
        ),
        measure(
            "dashboard page: last month, a department head (their department)",
            _page(clients["head"], last_month, must_contain='data-testid="dashboard-department"'),
            size=size,
        ),
        measure(
            "dashboard page: a bad period (end before start): the errors, no figures",
            _page(
                clients["manager"],
                {"start": "2026-03-10", "end": "2026-03-01"},
                must_contain='data-testid="period-errors"',
                status=400,
            ),
            size=size,
        ),
    ]
