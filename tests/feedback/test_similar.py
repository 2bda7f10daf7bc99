"""Similar earlier feedback: the same phone, or the same model and fault phenomenon (and batch when given), in
the last 90 days; open CAPA forms covering them; one click marks a duplicate or links to that CAPA form."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from corrective_actions.models import CapaStatus
from feedback.models import Assignment, CloseReason, Status
from feedback.selectors_similar import similar_feedback, similar_to
from tests.factories import AssignmentFactory, FaultPhenomenonFactory, FeedbackFactory, ProductModelFactory
from tests.factories.capa import CapaFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(days: float):
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def model():
    return ProductModelFactory(code="KFR-35GW")


@pytest.fixture
def leak():
    return FaultPhenomenonFactory(name="漏水")


def numbers(result) -> list[str]:
    return [m.feedback.number for m in result.matches]


def test_the_same_phone_in_the_last_90_days_is_similar(users, model):
    qe = users[Role.QUALITY_ENGINEER]
    recent = FeedbackFactory(contact_phone="13812345678", feedback_time=ago(10))
    FeedbackFactory(contact_phone="13812345678", feedback_time=ago(91))  # too old
    FeedbackFactory(contact_phone="13812345678", feedback_time=ago(5), status=Status.VOIDED)
    FeedbackFactory(
        contact_phone="13812345678", feedback_time=ago(5), status=Status.DRAFT, registered_at=None
    )
    FeedbackFactory(
        contact_phone="13812345678",
        feedback_time=ago(4),
        status=Status.CLOSED,
        close_reason=CloseReason.DUPLICATE,
    )
    FeedbackFactory(contact_phone="13900000000", feedback_time=ago(1))

    result = similar_feedback(user=qe, phone="+86 138 1234 5678", at=NOW)

    assert numbers(result) == [recent.number]
    assert result.matches[0].same_phone and not result.matches[0].same_fault


def test_the_same_model_and_fault_and_the_same_batch_when_given(users, model, leak):
    qe = users[Role.QUALITY_ENGINEER]
    other_model = ProductModelFactory(code="KFR-50GW")
    batch_a = FeedbackFactory(
        product_model=model, fault_phenomenon=leak, serial_number="B2405", feedback_time=ago(20)
    )
    batch_b = FeedbackFactory(
        product_model=model, fault_phenomenon=leak, serial_number="B2406", feedback_time=ago(30)
    )
    FeedbackFactory(product_model=other_model, fault_phenomenon=leak, feedback_time=ago(3))
    FeedbackFactory(
        product_model=model, fault_phenomenon=FaultPhenomenonFactory(name="噪音"), feedback_time=ago(3)
    )

    any_batch = similar_feedback(user=qe, product_model_id=model.pk, fault_phenomenon_id=leak.pk, at=NOW)
    one_batch = similar_feedback(
        user=qe, product_model_id=model.pk, fault_phenomenon_id=leak.pk, serial_number="B2405", at=NOW
    )

    assert numbers(any_batch) == [batch_a.number, batch_b.number]
    assert numbers(one_batch) == [batch_a.number] and one_batch.matches[0].same_batch


def test_only_earlier_feedback_counts_and_never_the_record_itself(users, model, leak):
    qe = users[Role.QUALITY_ENGINEER]
    earlier = FeedbackFactory(contact_phone="13812345678", feedback_time=ago(10))
    this = FeedbackFactory(contact_phone="13812345678", feedback_time=ago(5))
    FeedbackFactory(contact_phone="13812345678", feedback_time=ago(1))  # later than this one

    assert numbers(similar_to(this, user=qe)) == [earlier.number]


def test_a_user_sees_only_what_they_may_see(users, model):
    agent = users[Role.CS_AGENT]
    mine = FeedbackFactory(contact_phone="13812345678", feedback_time=ago(3), registered_by=agent)
    FeedbackFactory(contact_phone="13812345678", feedback_time=ago(2), registered_by=users["other_agent"])

    assert numbers(similar_feedback(user=agent, phone="13812345678", at=NOW)) == [mine.number]
    assert similar_feedback(user=users["other_member"], phone="13812345678", at=NOW).matches == []


def test_open_capa_forms_covering_them_are_listed_once(users, model, leak, departments):
    qe = users[Role.QUALITY_ENGINEER]
    capa = CapaFactory(lead_department=departments["rd"], status=CapaStatus.IN_PROGRESS)
    done = CapaFactory(lead_department=departments["rd"], status=CapaStatus.EFFECTIVE)
    for days in (10, 20):
        FeedbackFactory(
            product_model=model,
            fault_phenomenon=leak,
            feedback_time=ago(days),
            capa=capa,
            status=Status.IN_PROGRESS,
        )
    FeedbackFactory(
        product_model=model,
        fault_phenomenon=leak,
        feedback_time=ago(30),
        capa=done,
        status=Status.PENDING_CLOSE,
    )

    result = similar_feedback(user=qe, product_model_id=model.pk, fault_phenomenon_id=leak.pk, at=NOW)

    assert len(result.matches) == 3
    assert [c.number for c in result.capas] == [capa.number]


def test_the_lookup_is_one_query(users, model, leak, django_assert_num_queries):
    qe = users[Role.QUALITY_ENGINEER]
    FeedbackFactory(
        contact_phone="13812345678", product_model=model, fault_phenomenon=leak, feedback_time=ago(3)
    )
    (
        qe.has_perm("feedback.view_all_feedback"),
        qe.roles,
    )  # the user's permissions and roles: once per request anyway

    with django_assert_num_queries(1):
        similar_feedback(
            user=qe, phone="13812345678", product_model_id=model.pk, fault_phenomenon_id=leak.pk, at=NOW
        )


# --- the panel and its actions, through HTTP --------------------------------------------------------------------
def test_the_registration_form_shows_the_customer_s_earlier_feedback_while_typing(client, users, model):
    agent = users[Role.CS_AGENT]
    earlier = FeedbackFactory(contact_phone="13812345678", feedback_time=ago(15), registered_by=agent)
    client.force_login(agent)

    assert 'hx-get="/feedback/similar/"' in client.get(reverse("feedback:create")).content.decode()
    page = client.get(
        reverse("feedback:similar_form"), {"contact_phone": "138-1234-5678", "product_model": model.pk}
    ).content.decode()

    assert earlier.number in page and "同一电话" in page
    assert "mark-duplicate" not in page  # nothing to close yet: the record is being typed
    assert (
        "没有"
        in client.get(reverse("feedback:similar_form"), {"contact_phone": "13900000000"}).content.decode()
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CS_AGENT, 200),
        (Role.CS_SUPERVISOR, 200),
        (Role.QUALITY_ENGINEER, 404),
        (Role.DEPT_MEMBER, 404),
        (Role.DEPT_HEAD, 404),
        (Role.MANAGEMENT, 404),
        (Role.ADMINISTRATOR, 404),
    ],
)
def test_only_customer_service_asks_while_registering(client, users, role, status):
    client.force_login(users[role])
    assert (
        client.get(reverse("feedback:similar_form"), {"contact_phone": "13812345678"}).status_code == status
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CS_AGENT, 200),  # registered it
        ("other_agent", 404),
        (Role.CS_SUPERVISOR, 200),
        (Role.QUALITY_ENGINEER, 200),
        (Role.DEPT_MEMBER, 404),  # not assigned to 研发部
        (Role.DEPT_HEAD, 404),
        (Role.MANAGEMENT, 200),
        (Role.ADMINISTRATOR, 200),
    ],
)
def test_the_panel_of_a_feedback_follows_who_may_see_it(client, users, role, status):
    feedback = FeedbackFactory(registered_by=users[Role.CS_AGENT])
    client.force_login(users[role])
    assert client.get(reverse("feedback:similar", args=[feedback.number])).status_code == status


def test_anonymous_users_log_in_first(client):
    feedback = FeedbackFactory()
    for url in (reverse("feedback:similar_form"), reverse("feedback:similar", args=[feedback.number])):
        assert "/login/" in client.get(url)["Location"]


def test_a_quality_engineer_marks_a_duplicate_in_one_click(client, users, model):
    qe = users[Role.QUALITY_ENGINEER]
    earlier = FeedbackFactory(contact_phone="13812345678", feedback_time=ago(15))
    new = FeedbackFactory(contact_phone="13812345678", feedback_time=ago(1))
    client.force_login(qe)

    panel = client.get(reverse("feedback:similar", args=[new.number])).content.decode()
    assert 'data-testid="mark-duplicate"' in panel
    response = client.post(
        reverse("feedback:similar_duplicate", args=[new.number]),
        {"original": earlier.number, "version": new.version},
    )

    assert response.status_code == 302
    new.refresh_from_db()
    assert (new.status, new.close_reason, new.duplicate_of) == (Status.CLOSED, CloseReason.DUPLICATE, earlier)
    assert earlier.number in new.close_note


def test_an_agent_sees_the_hint_but_cannot_close(client, users, model):
    agent = users[Role.CS_AGENT]
    earlier = FeedbackFactory(contact_phone="13812345678", feedback_time=ago(15), registered_by=agent)
    new = FeedbackFactory(contact_phone="13812345678", feedback_time=ago(1), registered_by=agent)
    client.force_login(agent)

    panel = client.get(reverse("feedback:similar", args=[new.number])).content.decode()
    assert earlier.number in panel and "mark-duplicate" not in panel
    client.post(
        reverse("feedback:similar_duplicate", args=[new.number]),
        {"original": earlier.number, "version": new.version},
    )
    new.refresh_from_db()
    assert new.status == Status.REGISTERED


def test_a_feedback_nobody_may_see_is_a_404(client, users, model):
    new = FeedbackFactory(contact_phone="13812345678", registered_by=users[Role.CS_AGENT])
    client.force_login(users["other_agent"])
    for method, name in (
        ("get", "feedback:similar"),
        ("post", "feedback:similar_duplicate"),
        ("post", "feedback:similar_capa"),
    ):
        assert getattr(client, method)(reverse(name, args=[new.number])).status_code == 404


def test_an_assigned_feedback_is_linked_to_the_open_capa_form_in_one_click(
    client, users, departments, model, leak
):
    qe, member = users[Role.QUALITY_ENGINEER], users[Role.DEPT_MEMBER]
    capa = CapaFactory(lead_department=departments["rd"], status=CapaStatus.SUBMITTED)
    FeedbackFactory(
        product_model=model, fault_phenomenon=leak, feedback_time=ago(20), capa=capa, status=Status.ASSIGNED
    )
    new = FeedbackFactory(
        product_model=model,
        fault_phenomenon=leak,
        feedback_time=ago(1),
        status=Status.ASSIGNED,
        category="functional",
        severity="II",
    )
    AssignmentFactory(feedback=new, department=departments["rd"], owner=member)
    client.force_login(qe)

    panel = client.get(reverse("feedback:similar", args=[new.number])).content.decode()
    assert capa.number in panel and 'data-testid="join-capa"' in panel
    client.post(
        reverse("feedback:similar_capa", args=[new.number]), {"capa": capa.number, "version": new.version}
    )

    new.refresh_from_db()
    assert new.capa == capa


def test_a_verified_feedback_is_assigned_to_the_capa_s_lead_department_and_linked(
    client, users, departments, model, leak
):
    from tests.factories.capa import Loop

    qe, member = users[Role.QUALITY_ENGINEER], users[Role.DEPT_MEMBER]
    opened_for = FeedbackFactory(
        product_model=model, fault_phenomenon=leak, feedback_time=ago(20), status=Status.ASSIGNED
    )
    AssignmentFactory(feedback=opened_for, department=departments["rd"], owner=member)
    capa = CapaFactory(lead_department=departments["rd"], status=CapaStatus.DRAFT, opened_for=opened_for)
    opened_for.capa = capa
    opened_for.save()
    loop = Loop(users, departments, feedback=FeedbackFactory(product_model=model, feedback_time=ago(1)))
    loop.phenomenon = leak
    loop.verify()
    loop.reload().classify()
    loop.reload().grade()
    loop.reload()
    new = loop.feedback
    assert new.status == Status.VERIFIED and new.fault_phenomenon == leak
    client.force_login(qe)

    client.post(
        reverse("feedback:similar_capa", args=[new.number]), {"capa": capa.number, "version": new.version}
    )

    new.refresh_from_db()
    assert new.capa == capa and new.status == Status.ASSIGNED
    assignment = Assignment.objects.get(feedback=new)
    assert (assignment.department, assignment.owner, assignment.is_lead) == (departments["rd"], member, True)


def test_an_unverified_feedback_cannot_join_yet_and_says_why(client, users, departments, model, leak):
    capa = CapaFactory(lead_department=departments["rd"])
    FeedbackFactory(
        product_model=model,
        fault_phenomenon=leak,
        feedback_time=ago(20),
        capa=capa,
        status=Status.IN_PROGRESS,
    )
    new = FeedbackFactory(product_model=model, fault_phenomenon=leak, feedback_time=ago(1))
    client.force_login(users[Role.QUALITY_ENGINEER])

    panel = client.get(reverse("feedback:similar", args=[new.number])).content.decode()
    assert "join-capa" not in panel and "先记录核实" in panel
    response = client.post(
        reverse("feedback:similar_capa", args=[new.number]),
        {"capa": capa.number, "version": new.version},
        follow=True,
    )
    assert "先记录核实" in response.content.decode()
    new.refresh_from_db()
    assert new.capa is None
