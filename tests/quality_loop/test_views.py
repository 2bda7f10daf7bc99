"""The quality loop's pages through HTTP, as each role uses them: what a user may not see is a 404, what a user
may not do now is refused with the reason, a stale form is refused and not applied."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from corrective_actions.models import Measure
from feedback.models import Assignment, Callback, CallbackAttempt, Feedback, Status, Verification
from quality_loop import contacts, lifecycle
from tests.factories import DepartmentFactory, FeedbackFactory, UserFactory
from tests.factories.capa import Loop
from tests.files import png_bytes

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


def url(name, feedback):
    return reverse(f"feedback:{name}", kwargs={"number": feedback.number})


def verify_form(feedback, **overrides):
    data = {
        "version": feedback.version,
        "frequency": "always",
        "methods": ["phone", "photos"],
        "usage_environment": "室温30℃",
        "operating_steps": "",
        "verdict": "confirmed",
        "note": "",
    }
    data.update(overrides)
    return data


def test_the_detail_page_shows_the_panel_with_the_actions_of_the_role(loop, users, as_user):
    qe_page = as_user(loop.qe).get(loop.feedback.get_absolute_url())
    member_page = as_user(loop.agent).get(loop.feedback.get_absolute_url())

    assert qe_page.status_code == 200
    assert b'data-testid="lifecycle-panel"' in qe_page.content
    assert b'data-testid="action-verify"' in qe_page.content
    assert b'data-testid="action-verify"' not in member_page.content
    assert b'data-testid="action-contact_add"' in member_page.content


def test_quality_records_the_verification_through_the_page(loop, as_user):
    client = as_user(loop.qe)
    assert client.get(url("verify", loop.feedback)).status_code == 200

    response = client.post(url("verify", loop.feedback), verify_form(loop.feedback))

    assert response.status_code == 302
    assert response.url == loop.feedback.get_absolute_url()
    feedback = Feedback.objects.get(pk=loop.feedback.pk)
    assert feedback.status == Status.VERIFIED
    assert feedback.verification.methods == ["phone", "photos"]


def test_an_agent_is_told_why_and_nothing_is_applied(loop, as_user):
    client = as_user(loop.agent)  # the agent registered it: they see it

    page = client.get(url("verify", loop.feedback))
    response = client.post(url("verify", loop.feedback), verify_form(loop.feedback))

    assert b"Only a quality engineer records the verification." in page.content
    assert b'data-testid="action-form"' not in page.content
    assert response.status_code == 400
    assert not Verification.objects.exists()


def test_a_feedback_of_another_department_is_a_404_on_every_action(loop, users, as_user):
    loop.to_assigned()
    outsider = as_user(users["other_member"])

    for name in ("verify", "classify", "emergency_response", "pause_start", "contact_add", "close_resolved"):
        assert outsider.get(url(name, loop.feedback)).status_code == 404
        assert outsider.post(url(name, loop.feedback), {"version": loop.feedback.version}).status_code == 404
    assert outsider.get(url("lifecycle_panel", loop.feedback)).status_code == 404


def test_a_stale_form_is_refused_with_a_message_and_not_applied(loop, as_user):
    client = as_user(loop.qe)
    opened_version = loop.feedback.version
    loop.grade("II")  # another quality engineer graded it after the form was opened

    response = client.post(url("verify", loop.feedback), verify_form(loop.feedback, version=opened_version))

    assert response.status_code == 409
    assert b"was changed by someone else after you opened it" in response.content
    assert not Verification.objects.exists()


def test_classification_and_grade_on_one_page(loop, as_user):
    loop.verify()

    response = as_user(loop.qe).post(
        url("classify", loop.feedback),
        {
            "version": loop.feedback.version,
            "category": "functional",
            "fault_phenomenon": loop.phenomenon.pk,
            "severity": "III",
        },
    )

    assert response.status_code == 302
    feedback = Feedback.objects.get(pk=loop.feedback.pk)
    assert (feedback.category, feedback.fault_phenomenon, feedback.severity) == (
        "functional",
        loop.phenomenon,
        "III",
    )


def test_a_classification_error_keeps_the_input_and_names_the_field(loop, as_user):
    loop.verify()

    response = as_user(loop.qe).post(
        url("classify", loop.feedback),
        {
            "version": loop.feedback.version,
            "category": "performance",
            "fault_phenomenon": "",
            "severity": "II",
        },
    )

    assert response.status_code == 400
    assert b'data-testid="error-fault_phenomenon"' in response.content
    assert re.search(rb'<input[^>]*value="performance"[^>]*checked', response.content)  # the input is kept
    feedback = Feedback.objects.get(pk=loop.feedback.pk)
    assert (feedback.category, feedback.severity) == ("", "")  # neither half was applied


def test_assignment_through_the_page(loop, departments, users, as_user):
    loop.verify()
    loop.classify()
    loop.grade()
    rd, production = departments["rd"], departments["production"]

    page = as_user(loop.qe).get(url("assign", loop.feedback))
    response = as_user(loop.qe).post(
        url("assign", loop.feedback),
        {
            "version": loop.feedback.version,
            "departments": [rd.pk, production.pk],
            "lead": rd.pk,
            f"owner_{rd.pk}": loop.member.pk,
            f"owner_{production.pk}": users["other_member"].pk,
        },
    )

    assert b'data-testid="assign-row-rd"' in page.content
    assert response.status_code == 302
    assert set(Assignment.objects.values_list("department__code", "is_lead")) == {
        ("rd", True),
        ("production", False),
    }


def test_assigning_without_an_owner_names_the_department(loop, departments, as_user):
    loop.verify()
    loop.classify()
    loop.grade()

    response = as_user(loop.qe).post(
        url("assign", loop.feedback),
        {
            "version": loop.feedback.version,
            "departments": [departments["rd"].pk],
            "lead": departments["rd"].pk,
        },
    )

    assert response.status_code == 400
    assert "Name the owner in 研发部.".encode() in response.content
    assert not Assignment.objects.exists()


def test_closing_with_open_measures_through_the_page_names_the_reasons(loop, as_user):
    loop.to_capa_in_progress()

    page = as_user(loop.qe).get(loop.feedback.get_absolute_url())
    response = as_user(loop.qe).post(url("close_resolved", loop.feedback), {"version": loop.feedback.version})

    assert b'data-testid="close-problems"' in page.content
    assert b"Measures still open" in response.content
    assert response.status_code == 400
    assert Feedback.objects.get(pk=loop.feedback.pk).status == Status.IN_PROGRESS


def test_a_callback_before_the_problem_is_handled_is_refused_on_the_page(loop, as_user):
    loop.to_capa_in_progress()

    response = as_user(loop.agent).post(
        url("callback_attempt", loop.feedback),
        {"version": loop.feedback.version, "outcome": "reached", "satisfaction": "satisfied"},
    )

    assert response.status_code == 400
    assert b"not handled yet" in response.content


def test_the_duplicate_closing_links_the_original_on_the_page(loop, as_user):
    original = FeedbackFactory()

    response = as_user(loop.qe).post(
        url("close_duplicate", loop.feedback),
        {"version": loop.feedback.version, "original_number": original.number, "note": "重复来电"},
    )
    page = as_user(loop.qe).get(loop.feedback.get_absolute_url())

    assert response.status_code == 302
    assert f'data-testid="duplicate-of">{original.number}'.encode() in page.content


@pytest.mark.parametrize(
    "role",
    [
        Role.CS_AGENT,
        Role.CS_SUPERVISOR,
        Role.QUALITY_ENGINEER,
        Role.DEPT_MEMBER,
        Role.DEPT_HEAD,
        Role.MANAGEMENT,
        Role.ADMINISTRATOR,
    ],
)
def test_the_panel_renders_for_every_role_at_every_stage(loop, users, as_user, role):
    client = as_user(users[role])
    loop.to_capa_in_progress()
    loop.complete(loop.short)

    response = client.get(loop.feedback.get_absolute_url())

    assert response.status_code == 200
    if role in (Role.QUALITY_ENGINEER, Role.MANAGEMENT, Role.ADMINISTRATOR, Role.DEPT_MEMBER, Role.DEPT_HEAD):
        assert f'data-testid="capa-link">{loop.capa.number}'.encode() in response.content
    else:  # customer service sees the CAPA summary, not a link to a page they may not open
        assert loop.capa.number.encode() in response.content
        assert b'data-testid="capa-link"' not in response.content


# --- cost of the pages ---------------------------------------------------------------------------------------------
def queries_for(client, url) -> int:
    client.get(url)  # the first request of a session warms caches that later ones do not pay for
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def loaded_with(loop, *, extra: int):
    """A feedback whose CAPA form is executed and whose callback is open, with ``extra`` measures beyond the two
    first, and as many contacts (each with a photo), waiting periods and failed calls (each on another day)."""
    loop.to_assigned()
    loop.open_capa()
    loop.short = loop.add_measure(Measure.Kind.SHORT_TERM)
    loop.add_measure(Measure.Kind.LONG_TERM)
    for n in range(extra):
        loop.add_measure(Measure.Kind.LONG_TERM, description=f"追加长期措施 {n}")
    loop.submit()
    loop.review()
    loop.complete(loop.short)
    now = timezone.now()
    Callback.objects.filter(feedback=loop.feedback).update(opened_at=now - dt.timedelta(days=extra + 1))
    for n in range(extra):
        photo = SimpleUploadedFile(f"现场{n}.png", png_bytes(), content_type="image/png")
        contacts.contact_log_add(
            feedback=loop.feedback, actor=loop.agent, content=f"第{n}次沟通", uploads=[photo]
        )
        loop.reload()
        lifecycle.pause_start(
            feedback=loop.feedback,
            actor=loop.agent,
            expected_version=loop.feedback.version,
            reason="waiting_parts",
        )
        loop.reload()
        lifecycle.pause_end(feedback=loop.feedback, actor=loop.agent, expected_version=loop.feedback.version)
        loop.reload()
        loop.callback(outcome=CallbackAttempt.Outcome.NO_ANSWER, at=now - dt.timedelta(days=n))
    return loop


@pytest.mark.parametrize("role", [Role.QUALITY_ENGINEER, Role.CS_AGENT, Role.DEPT_MEMBER, Role.MANAGEMENT])
def test_the_detail_page_costs_a_few_queries_however_much_hangs_on_the_feedback(
    users, departments, as_user, role
):
    bare = loaded_with(Loop(users, departments), extra=1)
    busy = loaded_with(Loop(users, departments, FeedbackFactory(registered_by=users[Role.CS_AGENT])), extra=4)
    client = as_user(users[role])

    cost = queries_for(client, bare.feedback.get_absolute_url())

    assert queries_for(client, busy.feedback.get_absolute_url()) == cost
    assert queries_for(client, url("lifecycle_panel", busy.feedback)) <= cost
    # a dozen for the page (the record with its relations, deadlines, history, CAPA rates…), the rest is the layout's
    assert cost <= 20


def test_the_assignment_page_costs_the_same_for_more_departments(loop, users, as_user):
    loop.verify()
    loop.classify()
    loop.grade()
    client = as_user(loop.qe)
    cost = queries_for(client, url("assign", loop.feedback))
    for code in ("hr", "it", "sales"):
        UserFactory(role=Role.DEPT_MEMBER, department=DepartmentFactory(code=code, name=f"{code}部"))

    page = client.get(url("assign", loop.feedback))

    assert b'data-testid="assign-row-sales"' in page.content
    assert queries_for(client, url("assign", loop.feedback)) == cost
