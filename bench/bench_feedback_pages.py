"""The pages people open all day, at 100,000 feedbacks: the list (first page, filtered, deep page) for each kind of
reader, the detail page and the API list. Whole requests through Django's test client, templates included, so the
figure compares with django-helpdesk's 546 ms / 80 queries for its ticket list data at 100k tickets."""

import datetime as dt
import os

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import Client, override_settings
from django.urls import include, path
from django.utils import timezone

from accounts.models import Department
from accounts.roles import Role
from bench import builders
from bench.builders import copy_feedback, pick, user
from bench.harness import Result, measure
from catalog.models import ProductLine, ProductModel
from feedback.models import Assignment, Feedback, Status
from feedback.selectors import feedback_visible_to
from sla.models import ClockKind, Outcome

TOTAL = int(os.environ.get("BENCH_SCALE", "100000"))
AGENTS = 10
REPEAT = 20


FLOOR_TEMPLATE = engines["django"].from_string(
    "<html><body><p>{{ count }}</p><table>{% for f in rows %}<tr><td>{{ f.number }}</td><td>{{ f.customer_name }}"
    "</td><td>{{ f.status }}</td></tr>{% endfor %}</table></body></html>"
)


@login_required
def floor_view(request):
    """The floor the list is compared with (issue 10): the reader's first 25 rows and their COUNT, a trivial
    template, the same middleware, login and access function."""
    qs = feedback_visible_to(request.user).exclude(status=Status.VOIDED).order_by("-feedback_time", "-id")
    page = Paginator(qs, 25).get_page(1)
    html = FLOOR_TEMPLATE.render({"rows": list(page.object_list), "count": page.paginator.count}, request)
    return HttpResponse(html)


# the bench's URLs: the site's, plus the floor (ROOT_URLCONF of the run)
urlpatterns = [path("bench/floor/", floor_view), path("", include("config.urls"))]


def build() -> dict:
    rd = Department.objects.create(code="rd", name="研发部")
    agents = [user(f"agent{i}", Role.CS_AGENT) for i in range(AGENTS)]
    readers = {
        "quality engineer": user("qe", Role.QUALITY_ENGINEER),
        "agent": agents[0],
        "department member": user("rd_member", Role.DEPT_MEMBER, rd),
        "management": user("boss", Role.MANAGEMENT),
    }
    line = ProductLine.objects.create(code="aircon", name="空调")
    models = [ProductModel.objects.create(line=line, code=f"KFR-{i:02d}", name="空调") for i in range(20)]
    now = timezone.now()
    template = builders.template_feedback(
        models[0],
        agents[0],
        now,
        description="空调使用1个月后，制冷效果明显下降，出风口温度18℃，噪音比初期增大。",
    )
    statuses = [
        Status.REGISTERED,
        Status.VERIFIED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.CLOSED,
        Status.CLOSED,
    ]

    when = "t.feedback_time - (g %% 365) * interval '1 day' - (g %% 1440) * interval '1 minute'"
    overrides = {
        "status": pick([f"'{s}'" for s in statuses]),
        "customer_name": f"{pick([repr(s) for s in '张王李赵刘陈杨黄'])} || {pick([repr('先生'), repr('女士')])} || g",
        "contact_phone": "'13' || lpad((g::bigint * 7919 %% 1000000000)::text, 9, '0')",
        "product_model_id": pick([str(m.pk) for m in models]),
        "channel": pick(["'hotline'", "'email'", "'online_chat'", "'dealer'", "'third_party'", "'other'"]),
        **builders.registered_by(agents),
        "feedback_time": when,
        "registered_at": f"{when} + CASE WHEN g %% 10 = 0 THEN interval '3 days' ELSE interval '2 hours' END",
        "registration_due_at": f"{when} + interval '1 day'",
    }
    copy_feedback(template, TOTAL - 1, overrides)
    with connection.cursor() as cursor:
        # every feedback: its registration clock (met) and, while it waits for verification, the running one
        cursor.execute(
            """
            INSERT INTO sla_slaclock (feedback_id, kind, started_at, due_at, warn_at, stopped_at, outcome,
                length_days, warn_percent, provisional, basis, created_at)
            SELECT f.id, %(reg)s, f.feedback_time, f.registration_due_at, f.feedback_time, f.registered_at,
                   CASE WHEN f.registered_at > f.registration_due_at THEN %(missed)s ELSE %(met)s END,
                   1, 50, false, '{}'::jsonb, f.feedback_time
            FROM feedback_feedback f
            UNION ALL
            SELECT f.id, %(ver)s, f.registered_at, f.registered_at + interval '2 days',
                   f.registered_at + interval '1 day', NULL, %(running)s, 2, 50, false, '{}'::jsonb, f.registered_at
            FROM feedback_feedback f WHERE f.status = %(registered)s
            """,
            {
                "reg": ClockKind.REGISTRATION,
                "ver": ClockKind.VERIFICATION,
                "met": Outcome.MET,
                "missed": Outcome.MISSED,
                "running": Outcome.RUNNING,
                "registered": Status.REGISTERED,
            },
        )
    # one feedback in twenty is assigned to 研发部
    Assignment.objects.bulk_create(
        [
            Assignment(
                feedback_id=pk,
                department=rd,
                owner=readers["department member"],
                assigned_by=readers["quality engineer"],
                is_lead=True,
            )
            for pk in Feedback.objects.filter(status=Status.ASSIGNED).values_list("pk", flat=True)[
                : TOTAL // 20
            ]
        ],
        batch_size=5000,
    )
    # feedbacks with a real history, edited through the services: 10 and 200 history lines
    other = Department.objects.create(code="pe", name="工艺部")
    sources = list(
        Feedback.objects.filter(status=Status.REGISTERED)
        .exclude(pk=template.pk)
        .order_by("-feedback_time")[:2]
    )
    detail = _rich_detail(sources[0], readers, rd, other, 10)
    long_detail = _rich_detail(sources[1], readers, rd, other, 200)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE feedback_feedback")
        cursor.execute("VACUUM ANALYZE sla_slaclock")
        cursor.execute("VACUUM ANALYZE feedback_assignment")
    return {"readers": readers, "detail": detail, "long_detail": long_detail}


def _rich_detail(
    source: Feedback, readers: dict, rd: Department, other: Department, history: int
) -> Feedback:
    """A feedback the way a quality engineer meets it in the middle of its life: verified, graded, assigned to two
    departments, a CAPA form in progress with 4 measures, 6 clocks (registration, verification, one per measure), 3 files and ``history`` registration edits
    (each a history line) made through the service."""
    from corrective_actions.models import Capa, Measure
    from feedback.models import Attachment, Verification
    from feedback.services import feedback_update_registration
    from sla.models import SlaClock

    qe, member = readers["quality engineer"], readers["department member"]
    feedback = source
    for i in range(history):
        feedback = feedback_update_registration(
            feedback=feedback,
            actor=feedback.cs_owner,
            data={"serial_number": f"SN{i:04d}"},
            expected_version=feedback.version,
        )
    now = timezone.now()
    start = feedback.feedback_time
    capa = Capa.objects.create(
        number=f"CA{feedback.pk:010d}",
        title="制冷效果下降：压缩机启动电容批次问题",
        lead_department=rd,
        status="in_progress",
        root_cause_category="material",
        root_cause_analysis="电容批次容量偏低，低温启动困难。",
        created_by=member,
        submitted_at=start + dt.timedelta(days=3),
        accepted_at=start + dt.timedelta(days=4),
        opened_for=feedback,
    )
    measures = Measure.objects.bulk_create(
        [
            Measure(
                capa=capa,
                kind=kind,
                description=text,
                owner=member,
                department=rd,
                planned_date=(start + dt.timedelta(days=days)).date(),
                state=state,
                completed_date=(start + dt.timedelta(days=days - 1)).date() if state == "completed" else None,
                created_by=member,
            )
            for kind, text, days, state in (
                ("short_term", "更换客户机组启动电容", 5, "completed"),
                ("short_term", "排查同批次在库产品", 7, "in_progress"),
                ("long_term", "供应商来料检验增加容量抽检", 30, "planned"),
                ("long_term", "更新电容规格书公差", 45, "planned"),
            )
        ]
    )
    Feedback.objects.filter(pk=feedback.pk).update(
        status=Status.IN_PROGRESS,
        quality_owner=qe,
        category="performance",
        severity="II",
        graded_at=start + dt.timedelta(days=1),
        capa=capa,
    )
    Verification.objects.create(
        feedback=feedback,
        frequency="always",
        usage_environment="室外机安装于北侧阳台，通风良好。",
        operating_steps="制冷模式 16℃ 高风，运行 30 分钟。",
        methods=["phone", "photos"],
        verdict="confirmed",
        verified_by=qe,
        verified_at=start + dt.timedelta(days=1),
    )
    Assignment.objects.filter(feedback=feedback).delete()
    Assignment.objects.bulk_create(
        [
            Assignment(feedback=feedback, department=rd, owner=member, assigned_by=qe, is_lead=True),
            Assignment(feedback=feedback, department=other, owner=qe, assigned_by=qe, is_lead=False),
        ]
    )
    SlaClock.objects.filter(feedback=feedback).exclude(kind=ClockKind.REGISTRATION).delete()
    clock = {"length_days": 2, "warn_percent": 50, "provisional": False, "basis": {}}
    SlaClock.objects.bulk_create(
        [
            SlaClock(
                feedback=feedback,
                kind=ClockKind.VERIFICATION,
                started_at=start,
                due_at=start + dt.timedelta(days=2),
                warn_at=start + dt.timedelta(days=1),
                stopped_at=start + dt.timedelta(days=1),
                outcome=Outcome.MET,
                **clock,
            ),
            *(
                SlaClock(
                    feedback=feedback,
                    kind=ClockKind.MEASURE,
                    measure=m,
                    started_at=start + dt.timedelta(days=4),
                    due_at=dt.datetime.combine(m.planned_date, dt.time(18), tzinfo=dt.UTC),
                    warn_at=dt.datetime.combine(m.planned_date, dt.time(9), tzinfo=dt.UTC),
                    stopped_at=now if m.state == "completed" else None,
                    outcome=Outcome.MET if m.state == "completed" else Outcome.RUNNING,
                    **clock,
                )
                for m in measures
            ),
        ]
    )
    Attachment.objects.bulk_create(
        [
            Attachment(
                feedback=feedback,
                file=f"bench/{feedback.pk}-{i}.{ext}",
                original_name=f"现场照片{i}.{ext}",
                content_type=ctype,
                kind=kind,
                size=200_000 + i,
                uploaded_by=feedback.cs_owner,
                purpose=purpose,
            )
            for i, (ext, ctype, kind, purpose) in enumerate(
                (
                    ("jpg", "image/jpeg", "image", "registration"),
                    ("jpg", "image/jpeg", "image", "verification"),
                    ("pdf", "application/pdf", "pdf", "registration"),
                )
            )
        ]
    )
    assert SlaClock.objects.filter(feedback=feedback).count() == 6
    assert feedback.history.count() == history  # (the bulk-made record has no creation record)
    return Feedback.objects.get(pk=feedback.pk)


def _page(client: Client, url: str, params: dict | None = None, *, must_contain: str = ""):
    def fetch():
        response = client.get(url, params or {})
        assert response.status_code == 200, response.status_code
        if must_contain:
            assert must_contain in response.content.decode(), must_contain

    return fetch


@override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False, ROOT_URLCONF=__name__)
def run() -> list[Result]:
    data = build()
    assert Feedback.objects.count() == TOTAL
    size = f"{TOTAL:,} feedbacks"
    results = []
    clients = {}
    for who, reader in data["readers"].items():
        clients[who] = Client()
        clients[who].force_login(reader)
    qe = clients["quality engineer"]
    # page 1 as each role, beside the floor of the same run (first 25 rows + COUNT, trivial template, same
    # middleware): the goal is at most 1.5 times the floor
    for who in ("quality engineer", "agent", "department member", "management"):
        floor = measure(
            f"floor: first 25 + COUNT, trivial template, {who}",
            _page(clients[who], "/bench/floor/", must_contain="PF"),
            size=size,
            repeat=REPEAT,
        )
        page = measure(
            f"list page 1, {who}",
            _page(clients[who], "/feedback/", must_contain="PF"),
            size=size,
            repeat=REPEAT,
            note="",
        )
        page.note = f"{page.median_s / floor.median_s:.2f}× the floor"
        print(f"    → {page.note}", flush=True)
        results += [floor, page]
    results.append(
        measure("list page, page 2,000 (offset 50,000)", _page(qe, "/feedback/", {"page": 2000}), size=size)
    )
    results.append(
        measure(
            "list page, filter customer name contains",
            _page(qe, "/feedback/", {"customer": "王女士1234"}),
            size=size,
        )
    )
    results.append(
        measure("list page, filter phone contains", _page(qe, "/feedback/", {"phone": "5550"}), size=size)
    )
    results.append(
        measure(
            "list page, filter status + feedback-time range + late",
            _page(
                qe,
                "/feedback/",
                {
                    "status": "registered",
                    "received_from": "2026-01-01",
                    "received_to": "2026-06-30",
                    "timeliness": "late",
                },
            ),
            size=size,
        )
    )
    for key, lines in (("detail", 10), ("long_detail", 200)):
        detail = data[key]
        results.append(
            measure(
                f"detail page ({lines} history lines, verification, 2 departments, CAPA 4 measures, 6 clocks, "
                "3 files)",
                _page(qe, f"/feedback/{detail.number}/", must_contain=detail.number),
                size=size,
                repeat=REPEAT,
            )
        )
    results.append(measure("API list, page 1 (50 rows)", _page(qe, "/api/feedback/"), size=size))
    return results
