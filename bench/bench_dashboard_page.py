"""管理驾驶舱, the whole page (every widget, template and links included) through Django's test client, at 100,000
feedbacks: the current month, the last 90 days, and a department head's view. The issue's target: under 150 ms server
time and a constant number of queries (django-helpdesk's dashboard takes 1,653 ms at the same size).

The data set is bench_feedback_pages' 100,000 feedbacks over a year (registration clocks, verification clocks of
those waiting, one in twenty assigned to 研发部), given here categories, severities, fault phenomena, a second
department, CAPA-form clocks of the assigned ones and satisfaction callbacks of the closed ones, all in bulk SQL."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import Role
from bench.bench_feedback_pages import TOTAL
from bench.bench_feedback_pages import build as build_feedback
from bench.harness import Result, measure
from catalog.models import FaultPhenomenon
from feedback.models import Feedback, Status
from sla.models import ClockKind, Outcome

URL = "/reports/dashboard/"


def build() -> dict:
    data = build_feedback()
    rd = Department.objects.get(code="rd")
    production = Department.objects.create(code="production", name="生产部")
    head = User.objects.create(username="rd_head", name="研发部长", department=rd)
    head.groups.add(Group.objects.get(name=Role.DEPT_HEAD))
    faults = [
        FaultPhenomenon.objects.create(name=name)
        for name in ("制冷效果差", "不制冷", "噪音大", "漏水", "外壳划伤", "遥控失灵", "异味", "不开机")
    ]
    categories = ["'functional'", "'performance'", "'appearance'", "'service'", "''"]
    severities = ["'I'", "'I'", "'II'", "'III'", "''"]
    fault_ids = [str(f.pk) for f in faults] + ["NULL"]
    with connection.cursor() as cursor:
        # classified, graded, with a fault phenomenon (a skewed distribution: a Pareto worth the name)
        cursor.execute(
            f"""
            UPDATE feedback_feedback SET
              category = (ARRAY[{",".join(categories)}])[1 + id %% 5],
              severity = (ARRAY[{",".join(severities)}])[1 + (id / 5) %% 5],
              fault_phenomenon_id = (ARRAY[{",".join(fault_ids)}]::bigint[])[1 + ((id * id) %% 37) %% 9]
            WHERE status <> %s
            """,
            [Status.REGISTERED],
        )
        # the assigned: half of them also assigned to 生产部; each a CAPA-form clock (met, missed or running)
        cursor.execute(
            """
            INSERT INTO feedback_assignment (feedback_id, department_id, owner_id, is_lead, assigned_by_id, assigned_at)
            SELECT a.feedback_id, %s, a.owner_id, false, a.assigned_by_id, a.assigned_at
            FROM feedback_assignment a WHERE a.feedback_id %% 2 = 0
            """,
            [production.pk],
        )
        cursor.execute(
            """
            INSERT INTO sla_slaclock (feedback_id, kind, started_at, due_at, warn_at, stopped_at, outcome,
                length_days, warn_percent, provisional, basis, created_at)
            SELECT f.id, %(kind)s, f.registered_at, f.registered_at + interval '3 days',
                   f.registered_at + interval '1 day',
                   CASE WHEN f.id %% 3 = 2 THEN NULL ELSE f.registered_at + (f.id %% 3 * 4) * interval '1 day' END,
                   (ARRAY[%(met)s, %(missed)s, %(running)s])[1 + f.id %% 3], 3, 50, false, '{}'::jsonb,
                   f.registered_at
            FROM feedback_feedback f JOIN feedback_assignment a ON a.feedback_id = f.id AND a.is_lead
            """,
            {
                "kind": ClockKind.CAPA_FORM,
                "met": Outcome.MET,
                "missed": Outcome.MISSED,
                "running": Outcome.RUNNING,
            },
        )
        # the closed: a satisfaction callback each, done (satisfied / basic / unsatisfied) or unreachable
        cursor.execute(
            """
            INSERT INTO feedback_callback (feedback_id, state, opened_at, satisfaction, comment, closed_at)
            SELECT f.id, CASE WHEN f.id %% 10 = 0 THEN 'unreachable' ELSE 'done' END, f.registered_at,
                   CASE WHEN f.id %% 10 = 0 THEN '' ELSE (ARRAY['satisfied','satisfied','basic','unsatisfied'])[1 + f.id %% 4] END,
                   '', f.registered_at + interval '5 days'
            FROM feedback_feedback f WHERE f.status = %s
            """,
            [Status.CLOSED],
        )
        for table in ("feedback_feedback", "sla_slaclock", "feedback_assignment", "feedback_callback"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    data["head"] = head
    return data


def _page(client: Client, params: dict, *, must_contain: str):
    def fetch():
        response = client.get(URL, params)
        assert response.status_code == 200, response.status_code
        assert must_contain in response.content.decode(), must_contain

    return fetch


@override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False)
def run() -> list[Result]:
    data = build()
    assert Feedback.objects.count() == TOTAL
    size = f"{TOTAL:,} feedbacks"
    manager, head = Client(), Client()
    manager.force_login(data["readers"]["management"])
    head.force_login(data["head"])
    today = timezone.localdate()
    in_month = Feedback.objects.filter(
        feedback_time__gte=timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time.min))
    ).count()
    results = [
        measure(
            "dashboard page, management, current month (all widgets)",
            _page(manager, {}, must_contain='id="dashboard-data"'),
            size=f"{size}, {in_month:,} this month",
        ),
        measure(
            "dashboard page, management, last 90 days",
            _page(manager, {"preset": "last90"}, must_contain='id="dashboard-data"'),
            size=size,
        ),
        measure(
            "dashboard page, department head (研发部 only), last 90 days",
            _page(head, {"preset": "last90"}, must_contain="研发部"),
            size=size,
        ),
        measure(
            "dashboard page, bad period (end before start)",
            lambda: manager.get(URL, {"start": "2026-03-10", "end": "2026-03-01"}),
            size=size,
        ),
    ]
    return results
