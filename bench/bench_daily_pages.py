"""Every page a role opens daily beyond the feedback pages (issue 10): the CAPA list and a CAPA detail, each role's
home (customer service agent and supervisor, quality engineer, department member and head, a quality engineer who
is also management: management alone is redirected to the dashboard, benched in bench_dashboard_page), the
notifications list and the calendar. Whole requests through Django's test client, median of 20.

Data: bench_dashboard's realistic set (``BENCH_SCALE`` feedbacks, default 100,000: two years, level Ⅲ records,
drafts, assignments, every clock, callbacks, CAPA forms with two measures and effect verifications), thinned to
about 30,000 CAPA forms at 100k (the same share at any scale) in every status, plus verifications, open callbacks,
a department member owning measures and a few thousand notifications.

Then the CAPA list with PostgreSQL's JIT on and off (the connection option ``-c jit=…``), with those CAPA forms and with none (the CAPA
tables emptied at the end): the figures behind the ``PG_JIT`` setting in config/settings/base.py."""

import os

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client, override_settings

from accounts.models import Department, User
from accounts.roles import Role
from bench import bench_dashboard
from bench.harness import Result, measure
from corrective_actions.models import Capa
from feedback.models import Feedback
from notifications.models import Notification

TOTAL = int(os.environ.get("BENCH_SCALE", "100000"))
CAPAS = 30_000 * TOTAL // 100_000
REPEAT = 20


def _user(username: str, *roles: str, department: Department | None = None) -> User:
    user = User.objects.create(username=username, name=username, department=department)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user


def _capa_tables_delete(where: str) -> None:
    """Delete the CAPA forms matching ``where`` (on corrective_actions_capa c) with what hangs on them."""
    with connection.cursor() as cursor:
        doomed = f"SELECT c.id FROM corrective_actions_capa c WHERE {where}"
        cursor.execute(
            "DELETE FROM sla_slaclock WHERE measure_id IN "
            f"(SELECT id FROM corrective_actions_measure WHERE capa_id IN ({doomed}))"
        )
        cursor.execute(f"DELETE FROM corrective_actions_measure WHERE capa_id IN ({doomed})")
        cursor.execute(f"DELETE FROM corrective_actions_effectverification WHERE capa_id IN ({doomed})")
        cursor.execute(f"UPDATE feedback_feedback SET capa_id = NULL WHERE capa_id IN ({doomed})")
        cursor.execute(f"DELETE FROM corrective_actions_capa c WHERE {where}")


def build() -> dict:
    data = bench_dashboard.build()
    qe, head = data["qe"], data["head"]
    rd = head.department
    capas = Capa.objects.count()
    # keep about CAPAS of them, the same ones at every run
    if capas > CAPAS:
        keep = max(1, round(capas / CAPAS))
        _capa_tables_delete(f"c.opened_for_id %% {keep} <> 0".replace("%%", "%"))
    member = _user("rd_member", Role.DEPT_MEMBER, department=rd)
    users = {
        "cs agent": User.objects.get(username="agent0"),
        "cs supervisor": _user("cs_lead", Role.CS_SUPERVISOR),
        "quality engineer": qe,
        "department member": member,
        "department head": head,
        "quality + management": _user("qe_boss", Role.QUALITY_ENGINEER, Role.MANAGEMENT),
        "administrator": _user("admin", Role.ADMINISTRATOR),
    }
    with connection.cursor() as cursor:
        # open CAPA forms in every status (the dashboard's set has only in progress and effective)
        cursor.execute(
            """
            UPDATE corrective_actions_capa SET status = (ARRAY['draft', 'submitted', 'returned', 'in_progress',
                'pending_verification'])[1 + id % 5]
            WHERE status = 'in_progress'
            """
        )
        # the member owns one measure in three of the department's forms
        cursor.execute(
            "UPDATE corrective_actions_measure SET owner_id = %s WHERE department_id = %s AND id %% 3 = 0",
            [member.pk, rd.pk],
        )
        # every feedback past registration was verified (one in eight not confirmed)
        cursor.execute(
            """
            INSERT INTO feedback_verification (feedback_id, frequency, usage_environment, operating_steps, methods,
                verdict, note, verified_by_id, verified_at)
            SELECT id, 'always', '', '', '["phone"]'::jsonb,
                   CASE WHEN status = 'verified' AND id %% 8 = 0 THEN 'not_reproduced' ELSE 'confirmed' END,
                   '', %s, registered_at + interval '1 day'
            FROM feedback_feedback WHERE status NOT IN ('draft', 'voided', 'registered')
            """,
            [qe.pk],
        )
        # callbacks still to make: feedback awaiting closing
        cursor.execute(
            """
            INSERT INTO feedback_callback (feedback_id, state, opened_at, satisfaction, comment)
            SELECT id, 'open', feedback_time + interval '10 days', '', '' FROM feedback_feedback
            WHERE status = 'pending_close'
            """
        )
        # notifications: 40 for every user, 3,000 for the quality engineer (two thirds read)
        cursor.execute(
            """
            INSERT INTO notifications_notification (recipient_id, kind, level, subject, body, url, feedback_id,
                created_at, read_at, email_attempts, email_error)
            SELECT u.id, 'sla_overdue', 'normal', '{"zh-hans": "反馈已超期", "en": "Feedback overdue"}'::jsonb, '{}'::jsonb, '', f.id,
                   now() - g * interval '17 minutes', CASE WHEN g %% 3 = 0 THEN NULL ELSE now() END, 0, ''
            FROM accounts_user u, generate_series(1, CASE WHEN u.id = %s THEN 3000 ELSE 40 END) g,
                 LATERAL (SELECT id FROM feedback_feedback WHERE id = 1 + (g * 7919 + u.id) %% %s) f
            """,
            [qe.pk, TOTAL],
        )
        for t in (
            "feedback_feedback",
            "feedback_verification",
            "feedback_callback",
            "sla_slaclock",
            "corrective_actions_capa",
            "corrective_actions_measure",
            "corrective_actions_effectverification",
            "notifications_notification",
        ):
            cursor.execute(f"VACUUM ANALYZE {t}")
    return {"users": users}


def _page(client: Client, url: str, *, must_contain: str = ""):
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if must_contain:
            assert must_contain in response.content.decode(), (url, must_contain)

    return fetch


def _jit(value: str) -> None:
    """Reconnect with ``jit`` on or off (a connection option, so that it holds when the test client's requests
    reopen the connection past CONN_MAX_AGE; a ``SET`` would be lost then)."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    options["options"] = f"-c jit={value}"
    connection.close()


def _jit_is(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == value


@override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False)
def run() -> list[Result]:
    data = build()
    assert Feedback.objects.count() == TOTAL
    capas = Capa.objects.count()
    assert 0.8 * CAPAS < capas < 1.25 * CAPAS, capas
    size = f"{TOTAL:,} feedbacks, {capas:,} CAPA forms"
    clients = {}
    for who, user in data["users"].items():
        clients[who] = Client()
        clients[who].force_login(user)
    qe = clients["quality engineer"]
    results = []

    def page(name, client, url, must_contain=""):
        results.append(measure(name, _page(client, url, must_contain=must_contain), size=size, repeat=REPEAT))

    capa = Capa.objects.filter(
        status="in_progress", lead_department=data["users"]["department head"].department
    )
    capa = capa.order_by("-created_at")[0]
    page("CAPA list, quality engineer", qe, "/capa/", capa.number[:6])
    page("CAPA list, department head", clients["department head"], "/capa/", capa.number[:6])
    page("CAPA detail (2 measures)", qe, f"/capa/{capa.number}/", capa.number)
    page("home, customer service agent", clients["cs agent"], "/", "PF")
    page("home, customer service supervisor", clients["cs supervisor"], "/", "PF")
    page("home, quality engineer", qe, "/", "PF")
    page("home, department member", clients["department member"], "/", "CA")
    page("home, department head", clients["department head"], "/", "CA")
    page("home, quality engineer + management", clients["quality + management"], "/", "PF")
    page("notifications list, 3,000 notices", qe, "/notifications/", "反馈已超期")
    page("working-day calendar, administrator", clients["administrator"], "/calendar/")
    assert Notification.objects.filter(recipient=data["users"]["quality engineer"]).count() == 3000

    # JIT: the CAPA list with it on and off, with the CAPA forms and then with none
    default_options = connection.settings_dict.get("OPTIONS", {}).get("options")
    for jit in ("on", "off"):
        _jit(jit)
        results.append(
            measure(f"CAPA list, JIT {jit}", _page(qe, "/capa/"), size=size, repeat=REPEAT, memory=False)
        )
        _jit_is(jit)
    _capa_tables_delete("true")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE corrective_actions_capa")
        cursor.execute("VACUUM ANALYZE corrective_actions_measure")
    assert not Capa.objects.exists()
    empty = f"{TOTAL:,} feedbacks, 0 CAPA forms"
    for jit in ("on", "off"):
        _jit(jit)
        results.append(
            measure(
                f"CAPA list, JIT {jit}, no CAPA form",
                _page(qe, "/capa/"),
                size=empty,
                repeat=REPEAT,
                memory=False,
            )
        )
        _jit_is(jit)
    connection.settings_dict["OPTIONS"].pop("options")
    if default_options:
        connection.settings_dict["OPTIONS"]["options"] = default_options
    connection.close()
    return results
