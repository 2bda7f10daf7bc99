"""The CAPA pages through HTTP: only the assigned departments (and quality, management, administrators) see a
CAPA form; the others get 404. Each step of the form through its page."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from corrective_actions import services as capa_services
from corrective_actions.models import CapaAttachment, CapaStatus, Measure
from tests.factories import FeedbackFactory
from tests.factories.capa import Loop, today
from tests.files import exe_bytes, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(users, departments):
    return Loop(users, departments)


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make


def capa_url(name, capa, **kwargs):
    return reverse(f"corrective_actions:{name}", kwargs={"number": capa.number, **kwargs})


SEES_EVERY_CAPA = [Role.QUALITY_ENGINEER, Role.MANAGEMENT, Role.ADMINISTRATOR]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.QUALITY_ENGINEER, 200),
        (Role.MANAGEMENT, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.DEPT_MEMBER, 200),
        (Role.DEPT_HEAD, 200),
        ("other_member", 404),
        (Role.CS_AGENT, 404),
        (Role.CS_SUPERVISOR, 404),
    ],
)
def test_who_sees_a_capa_form(loop, users, as_user, role, status):
    loop.to_capa_in_progress()

    assert as_user(users[role]).get(capa_url("detail", loop.capa)).status_code == status


def test_a_member_of_another_department_gets_404_on_every_capa_page(loop, users, as_user):
    loop.to_capa_in_progress()
    outsider = as_user(users["other_member"])
    measure_kwargs = {"measure_id": loop.short.pk}

    for name, kwargs in [
        ("detail", {}),
        ("edit", {}),
        ("measure_add", {}),
        ("submit", {}),
        ("review", {}),
        ("effect", {}),
        ("link", {}),
        ("measure_progress", measure_kwargs),
        ("measure_edit", measure_kwargs),
        ("measure_withdraw", measure_kwargs),
    ]:
        assert outsider.get(capa_url(name, loop.capa, **kwargs)).status_code == 404, name
        assert outsider.post(capa_url(name, loop.capa, **kwargs), {}).status_code == 404, name
    loop.short.refresh_from_db()
    assert loop.short.state == Measure.State.PLANNED


def test_the_list_shows_each_user_only_their_capa_forms(loop, users, as_user, departments):
    loop.to_capa_in_progress()

    own = as_user(loop.member).get(reverse("corrective_actions:list"))
    other = as_user(users["other_member"]).get(reverse("corrective_actions:list"))
    agent = as_user(users[Role.CS_AGENT]).get(reverse("corrective_actions:list"))

    assert loop.capa.number.encode() in own.content
    assert loop.capa.number.encode() not in other.content
    assert agent.status_code == 404


def test_the_lead_department_writes_plans_and_submits_through_the_pages(loop, as_user):
    loop.to_assigned()
    member, head = as_user(loop.member), as_user(loop.head)

    created = member.post(
        reverse("corrective_actions:create", kwargs={"feedback_number": loop.feedback.number}),
        {
            "title": "压缩机启动电容失效",
            "root_cause_category": "material",
            "root_cause_analysis": "电容耐温不足",
            "version": loop.feedback.version,
        },
    )
    loop.reload()
    assert created.status_code == 302
    planned = member.post(
        capa_url("measure_add", loop.capa),
        {
            "version": loop.capa.version,
            "kind": "short_term",
            "description": "免费更换电容",
            "owner": loop.member.pk,
            "planned_date": (today() + dt.timedelta(days=5)).isoformat(),
        },
    )
    loop.capa.refresh_from_db()
    page = head.get(capa_url("detail", loop.capa))
    submitted = head.post(capa_url("submit", loop.capa), {"version": loop.capa.version})

    assert planned.status_code == 302
    assert b'data-testid="capa-submit"' in page.content
    assert submitted.status_code == 302
    loop.capa.refresh_from_db()
    assert loop.capa.status == CapaStatus.SUBMITTED


def test_a_planned_date_in_the_past_is_refused_on_the_page_keeping_the_input(loop, as_user):
    loop.to_assigned()
    loop.open_capa()
    yesterday = today() - dt.timedelta(days=1)

    response = as_user(loop.member).post(
        capa_url("measure_add", loop.capa),
        {
            "version": loop.capa.version,
            "kind": "long_term",
            "description": "增加高温老化试验",
            "owner": loop.member.pk,
            "planned_date": yesterday.isoformat(),
        },
    )

    assert response.status_code == 400
    assert b'data-testid="error-planned_date"' in response.content
    assert f"The planned date {yesterday} is in the past".encode() in response.content
    assert "增加高温老化试验".encode() in response.content
    assert not Measure.objects.exists()


def test_a_measure_without_owner_is_refused_on_the_page(loop, as_user):
    loop.to_assigned()
    loop.open_capa()

    response = as_user(loop.member).post(
        capa_url("measure_add", loop.capa),
        {
            "version": loop.capa.version,
            "kind": "short_term",
            "description": "免费更换",
            "owner": "",
            "planned_date": today().isoformat(),
        },
    )

    assert response.status_code == 400
    assert b"Every measure needs an owner." in response.content


def test_a_stale_submission_is_refused_on_the_page(loop, as_user):
    loop.to_assigned()
    loop.open_capa()
    loop.add_measure()
    opened = loop.capa.version
    loop.add_measure(description="另一项措施")

    response = as_user(loop.head).post(capa_url("submit", loop.capa), {"version": opened})

    assert response.status_code == 409
    assert b"changed by someone else" in response.content
    loop.capa.refresh_from_db()
    assert loop.capa.status == CapaStatus.DRAFT


def test_the_owner_completes_a_measure_with_evidence_and_a_bad_file_is_refused(loop, as_user):
    loop.to_capa_in_progress()
    client = as_user(loop.member)
    bad = client.post(
        capa_url("measure_progress", loop.capa, measure_id=loop.short.pk),
        {
            "version": loop.short.version,
            "progress_note": "x",
            "files": SimpleUploadedFile("report.pdf", exe_bytes()),
        },
    )

    done = client.post(
        capa_url("measure_progress", loop.capa, measure_id=loop.short.pk),
        {
            "version": loop.short.version,
            "progress_note": "已为客户更换电容",
            "complete": "on",
            "completed_date": today().isoformat(),
            "files": SimpleUploadedFile("更换照片.png", png_bytes()),
        },
    )

    assert bad.status_code == 400
    assert b"not an accepted file type" in bad.content
    assert done.status_code == 302
    loop.short.refresh_from_db()
    assert loop.short.state == Measure.State.COMPLETED
    evidence = CapaAttachment.objects.get(measure=loop.short)
    assert evidence.original_name == "更换照片.png"
    download = client.get(capa_url("attachment", loop.capa, file_id=evidence.pk))
    assert download.status_code == 200
    outsider = as_user(loop.users["other_member"])
    assert outsider.get(capa_url("attachment", loop.capa, file_id=evidence.pk)).status_code == 404


def test_withdrawn_measures_stay_visible_as_withdrawn(loop, as_user):
    loop.to_capa_in_progress()
    response = as_user(loop.head).post(
        capa_url("measure_withdraw", loop.capa, measure_id=loop.long.pk),
        {"version": loop.long.version, "reason": "由供应商整改替代"},
    )

    page = as_user(loop.qe).get(capa_url("detail", loop.capa))

    assert response.status_code == 302
    assert Measure.objects.filter(pk=loop.long.pk, state=Measure.State.WITHDRAWN).exists()
    assert loop.long.description.encode() in page.content
    assert "由供应商整改替代".encode() in page.content
    assert b"text-decoration-line-through" in page.content


def test_quality_reviews_and_verifies_through_the_pages_and_every_round_shows(loop, as_user):
    loop.to_capa_in_progress()
    loop.complete(loop.short)
    loop.complete(loop.long)
    qe = as_user(loop.qe)

    ineffective = qe.post(
        capa_url("effect", loop.capa),
        {
            "version": loop.capa.version,
            "method": "internal_test",
            "result": "ineffective",
            "note": "高温试验仍失效",
        },
    )
    loop.reload()
    page = qe.get(capa_url("detail", loop.capa))

    assert ineffective.status_code == 302
    assert (loop.capa.status, loop.capa.round) == (CapaStatus.RETURNED, 2)
    assert b'data-testid="effect-1"' in page.content
    assert b'data-testid="measures-round-1"' in page.content
    assert b'data-testid="capa-round">Round 2' in page.content


def test_returning_without_a_comment_is_refused_on_the_page(loop, as_user):
    loop.to_assigned()
    loop.open_capa()
    loop.add_measure()
    loop.submit()

    response = as_user(loop.qe).post(
        capa_url("review", loop.capa), {"version": loop.capa.version, "decision": "returned", "comment": ""}
    )

    assert response.status_code == 400
    assert b"Say what must change" in response.content
    loop.capa.refresh_from_db()
    assert loop.capa.status == CapaStatus.SUBMITTED


def test_nothing_is_deleted_in_the_admin(loop, users, as_user):
    loop.to_capa_in_progress()
    admin = users[Role.ADMINISTRATOR]
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    client = as_user(admin)

    change = client.get(reverse("admin:corrective_actions_capa_change", args=[loop.capa.pk]))
    delete = client.post(
        reverse("admin:corrective_actions_measure_delete", args=[loop.short.pk]), {"post": "yes"}
    )

    assert change.status_code == 200  # readable
    assert b'name="_save"' not in change.content  # not editable
    assert delete.status_code == 403
    assert Measure.objects.filter(pk=loop.short.pk).exists()


def test_quality_links_a_second_feedback_from_the_capa_page(loop, users, departments, as_user):
    loop.to_capa_in_progress()
    second = Loop(users, departments)
    second.to_assigned()

    missing = as_user(loop.qe).post(capa_url("link", loop.capa), {"feedback_number": "PF209999999"})
    linked = as_user(loop.qe).post(
        capa_url("link", loop.capa), {"feedback_number": second.feedback.number.lower()}
    )

    assert missing.status_code == 400
    assert b"There is no feedback PF209999999 that you can see." in missing.content
    assert linked.status_code == 302
    second.reload()
    assert second.feedback.capa == loop.capa
    page = as_user(loop.member).get(capa_url("detail", loop.capa))
    assert second.feedback.number.encode() in page.content


def capa_page_queries(client, capa) -> int:
    client.get(capa_url("detail", capa))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(capa_url("detail", capa))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", [Role.QUALITY_ENGINEER, Role.DEPT_HEAD])
def test_the_capa_page_costs_the_same_for_more_feedbacks_and_measures(users, departments, as_user, role):
    small = Loop(users, departments).to_capa_in_progress()
    large = Loop(users, departments)
    large.to_assigned()
    large.open_capa()
    for n in range(4):
        large.add_measure(Measure.Kind.LONG_TERM, description=f"长期措施 {n}")
    for _ in range(2):
        other = Loop(users, departments, FeedbackFactory(registered_by=users[Role.CS_AGENT]))
        other.to_assigned()
        capa_services.capa_link_feedback(capa=large.capa, feedback=other.feedback, actor=large.qe)
    large.add_measure(Measure.Kind.SHORT_TERM)
    large.submit()
    large.review()
    client = as_user(users[role])

    cost = capa_page_queries(client, small.capa)

    assert capa_page_queries(client, large.capa) == cost
    assert cost <= 17
