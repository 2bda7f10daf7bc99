"""The feedback's lifecycle (DOMAIN steps 3–11) through the services: every transition allowed and refused per
role, the clocks it starts and stops, the notices it sends, and the three ways to close."""

import pytest

from accounts.roles import Role
from core.errors import DomainError, StaleError
from corrective_actions.models import CapaStatus, Measure
from feedback.models import Assignment, CloseReason, Feedback, Pause, Severity, Status, Verification
from feedback.workflow import feedback_transition
from notifications.models import Level, Notification
from quality_loop import lifecycle
from sla import services as sla
from sla.models import ClockKind, Outcome, SlaClock
from tests.factories import FaultPhenomenonFactory, FeedbackFactory, ProductLineFactory
from tests.factories.capa import Loop

pytestmark = pytest.mark.django_db

ALL_ROLES = [
    Role.CS_AGENT,
    Role.CS_SUPERVISOR,
    Role.QUALITY_ENGINEER,
    Role.DEPT_MEMBER,
    Role.DEPT_HEAD,
    Role.MANAGEMENT,
    Role.ADMINISTRATOR,
]
NOT_QUALITY = [r for r in ALL_ROLES if r != Role.QUALITY_ENGINEER]


@pytest.fixture
def loop(users, departments):
    return Loop(users, departments)


def clock(feedback, kind):
    return SlaClock.objects.filter(feedback=feedback, kind=kind).order_by("-id").first()


def notified(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind)


# --- verification ----------------------------------------------------------------------------------------------
def test_quality_records_the_verification_and_its_clock_stops(loop):
    sla.clock_start(feedback=loop.feedback, kind=ClockKind.VERIFICATION)

    verification = loop.verify()

    assert loop.feedback.status == Status.VERIFIED
    assert loop.feedback.quality_owner == loop.qe
    assert verification.methods == ["phone", "video"]
    assert clock(loop.feedback, ClockKind.VERIFICATION).outcome == Outcome.MET
    assert loop.feedback.history.first().history_change_reason.startswith("Verification recorded")


@pytest.mark.parametrize("role", NOT_QUALITY)
def test_nobody_but_quality_verifies(loop, users, role):
    with pytest.raises(DomainError, match="Only a quality engineer"):
        loop.verify(actor=users[role])

    assert Feedback.objects.get(pk=loop.feedback.pk).status == Status.REGISTERED
    assert not Verification.objects.exists()


def test_a_verification_must_say_how_it_was_confirmed(loop):
    with pytest.raises(DomainError, match="how the problem was confirmed") as refused:
        lifecycle.feedback_verify(
            feedback=loop.feedback,
            actor=loop.qe,
            expected_version=loop.feedback.version,
            frequency="always",
            verdict="confirmed",
            methods=[],
        )
    assert "methods" in refused.value.field_errors


def test_a_stale_verification_is_refused_and_not_applied(loop):
    opened = loop.feedback.version
    loop.grade("II")  # someone else graded it meanwhile

    with pytest.raises(StaleError):
        lifecycle.feedback_verify(
            feedback=loop.feedback,
            actor=loop.qe,
            expected_version=opened,
            frequency="always",
            verdict="confirmed",
            methods=["phone"],
        )

    assert not Verification.objects.exists()
    assert Feedback.objects.get(pk=loop.feedback.pk).status == Status.REGISTERED


def test_the_verification_can_be_corrected_until_assignment_and_keeps_its_history(loop):
    loop.verify(verdict=Verification.Verdict.NOT_REPRODUCED)
    loop.verify(verdict=Verification.Verdict.CONFIRMED)

    assert loop.feedback.status == Status.VERIFIED
    assert list(loop.feedback.verification.history.values_list("verdict", flat=True)) == [
        "confirmed",
        "not_reproduced",
    ]
    loop.classify()
    loop.grade()
    loop.assign()
    with pytest.raises(DomainError, match="before the feedback is assigned"):
        loop.verify()


# --- classification and grading -------------------------------------------------------------------------------------
def test_a_product_problem_needs_a_fault_phenomenon_a_service_problem_does_not(loop):
    loop.verify()
    with pytest.raises(DomainError, match="fault phenomenon"):
        lifecycle.feedback_classify(
            feedback=loop.feedback,
            actor=loop.qe,
            expected_version=loop.feedback.version,
            category="functional",
            fault_phenomenon=None,
        )

    lifecycle.feedback_classify(
        feedback=loop.feedback,
        actor=loop.qe,
        expected_version=loop.feedback.version,
        category="service",
        fault_phenomenon=None,
    )
    assert Feedback.objects.get(pk=loop.feedback.pk).category == "service"


def test_a_fault_phenomenon_of_another_product_line_is_refused(loop):
    loop.verify()
    washer = FaultPhenomenonFactory(name="脱水异响", line=ProductLineFactory(code="washer", name="洗衣机"))

    with pytest.raises(DomainError, match="another product line"):
        lifecycle.feedback_classify(
            feedback=loop.feedback,
            actor=loop.qe,
            expected_version=loop.feedback.version,
            category="functional",
            fault_phenomenon=washer,
        )


@pytest.mark.parametrize("role", NOT_QUALITY)
def test_nobody_but_quality_classifies_or_grades(loop, users, role):
    loop.verify()
    with pytest.raises(DomainError, match="Only a quality engineer"):
        loop.classify(actor=users[role])
    with pytest.raises(DomainError, match="Only a quality engineer"):
        loop.grade("III", actor=users[role])

    loop.reload()
    assert (loop.feedback.category, loop.feedback.severity) == ("", "")


def test_level_three_alerts_management_at_once_and_starts_the_24_hour_clock(loop, users):
    loop.verify()

    loop.grade(Severity.URGENT)

    emergency = clock(loop.feedback, ClockKind.EMERGENCY)
    assert emergency.outcome == Outcome.RUNNING
    assert (emergency.due_at - emergency.started_at).total_seconds() == 24 * 3600
    alert = notified(users[Role.MANAGEMENT], "emergency").get()
    assert alert.level == Level.URGENT
    assert alert.feedback == loop.feedback


def test_the_emergency_response_stops_the_clock_recorded_by_quality_or_an_assigned_department(loop, users):
    loop.verify()
    loop.classify()
    loop.grade(Severity.URGENT)
    loop.assign()

    with pytest.raises(DomainError, match="quality or an assigned department"):
        lifecycle.feedback_emergency_started(
            feedback=loop.feedback,
            actor=users["other_member"],
            expected_version=loop.feedback.version,
            note="x",
        )
    lifecycle.feedback_emergency_started(
        feedback=loop.feedback,
        actor=loop.member,
        expected_version=loop.feedback.version,
        note="已安排上门断电检查",
    )

    loop.reload()
    assert loop.feedback.emergency_started_by == loop.member
    assert clock(loop.feedback, ClockKind.EMERGENCY).outcome == Outcome.MET
    with pytest.raises(DomainError, match="already recorded"):
        lifecycle.feedback_emergency_started(
            feedback=loop.feedback, actor=loop.qe, expected_version=loop.feedback.version, note="again"
        )


def test_only_a_level_three_feedback_has_an_emergency_response(loop):
    loop.verify()
    loop.grade(Severity.SERIOUS)

    with pytest.raises(DomainError, match="level Ⅲ"):
        lifecycle.feedback_emergency_started(
            feedback=loop.feedback, actor=loop.qe, expected_version=loop.feedback.version, note="x"
        )


def test_grading_a_three_down_before_the_response_stops_its_clock(loop):
    loop.verify()
    loop.grade(Severity.URGENT)

    loop.grade(Severity.SERIOUS)

    assert clock(loop.feedback, ClockKind.EMERGENCY).outcome != Outcome.RUNNING


# --- assignment ---------------------------------------------------------------------------------------------------
def test_assignment_names_an_owner_per_department_copies_management_and_starts_the_capa_clock(
    loop, users, departments
):
    loop.verify()
    loop.classify()
    loop.grade()

    loop.assign(
        owners={departments["rd"]: loop.member, departments["production"]: users["other_member"]},
        lead=departments["rd"],
    )

    assert loop.feedback.status == Status.ASSIGNED
    rows = list(
        Assignment.objects.filter(feedback=loop.feedback).values_list("department__name", "owner", "is_lead")
    )
    assert rows == [("研发部", loop.member.pk, True), ("生产部", users["other_member"].pk, False)]
    assert clock(loop.feedback, ClockKind.CAPA_FORM).outcome == Outcome.RUNNING
    assert notified(loop.member, "assignment").exists()
    assert notified(users["other_member"], "assignment").exists()
    assert notified(users[Role.DEPT_HEAD], "assignment").exists()
    assert notified(users[Role.MANAGEMENT], "assignment_copy").exists()


def test_assignment_before_classification_and_grading_names_what_is_missing(loop):
    loop.verify()

    with pytest.raises(DomainError) as refused:
        loop.assign()

    assert "Classify" in refused.value.message
    assert "Grade" in refused.value.message


def test_an_owner_from_another_department_is_refused(loop, users, departments):
    loop.verify()
    loop.classify()
    loop.grade()

    with pytest.raises(DomainError, match="is not a member of 研发部"):
        loop.assign(owners={departments["rd"]: users["other_member"]})
    with pytest.raises(DomainError, match="Name the owner"):
        loop.assign(owners={departments["rd"]: None})
    with pytest.raises(DomainError, match="lead department"):
        loop.assign(owners={departments["rd"]: loop.member}, lead=departments["production"])

    assert not Assignment.objects.exists()


@pytest.mark.parametrize("role", NOT_QUALITY)
def test_nobody_but_quality_assigns(loop, users, role):
    loop.verify()
    loop.classify()
    loop.grade()

    with pytest.raises(DomainError, match="Only a quality engineer"):
        loop.assign(actor=users[role])


# --- waiting periods --------------------------------------------------------------------------------------------
def test_a_waiting_period_pauses_the_running_clocks_and_shows_on_the_record(loop):
    loop.verify()
    loop.classify()
    loop.grade()
    loop.assign()

    pause = lifecycle.pause_start(
        feedback=loop.feedback,
        actor=loop.agent,
        expected_version=loop.feedback.version,
        reason=Pause.Reason.WAITING_CUSTOMER,
        note="客户出差，下周回复",
    )

    loop.reload()
    assert loop.feedback.waiting_reason == "waiting_customer"
    assert clock(loop.feedback, ClockKind.CAPA_FORM).paused_at is not None
    with pytest.raises(DomainError, match="already waiting"):
        lifecycle.pause_start(
            feedback=loop.feedback,
            actor=loop.qe,
            expected_version=loop.feedback.version,
            reason=Pause.Reason.WAITING_PARTS,
        )

    lifecycle.pause_end(feedback=loop.feedback, actor=loop.member, expected_version=loop.feedback.version)

    loop.reload()
    pause.refresh_from_db()
    assert pause.ended_by == loop.member
    assert loop.feedback.waiting_reason == ""
    assert clock(loop.feedback, ClockKind.CAPA_FORM).paused_at is None


def test_a_department_that_is_not_assigned_cannot_pause(loop, users):
    loop.to_assigned()

    with pytest.raises(DomainError, match="waiting period"):
        lifecycle.pause_start(
            feedback=loop.feedback,
            actor=users["other_member"],
            expected_version=loop.feedback.version,
            reason=Pause.Reason.WAITING_PARTS,
        )


# --- closing as not confirmed ---------------------------------------------------------------------------------------
def test_a_not_confirmed_feedback_closes_only_after_the_customer_was_told(loop):
    loop.verify(verdict=Verification.Verdict.NOT_PRODUCT)

    with pytest.raises(DomainError, match="telling the customer the outcome"):
        lifecycle.feedback_close_not_confirmed(
            feedback=loop.feedback, actor=loop.qe, expected_version=loop.feedback.version, note="用户误操作"
        )
    loop.tell_outcome()
    lifecycle.feedback_close_not_confirmed(
        feedback=loop.feedback, actor=loop.qe, expected_version=loop.feedback.version, note="用户误操作"
    )

    loop.reload()
    assert loop.feedback.status == Status.CLOSED
    assert loop.feedback.close_reason == CloseReason.NOT_CONFIRMED
    assert loop.feedback.close_note == "用户误操作"
    assert loop.feedback.closed_by == loop.qe


def test_a_confirmed_problem_is_not_closed_as_not_confirmed(loop):
    loop.verify(verdict=Verification.Verdict.CONFIRMED)
    loop.tell_outcome()

    with pytest.raises(DomainError, match="confirmed the problem"):
        lifecycle.feedback_close_not_confirmed(
            feedback=loop.feedback, actor=loop.qe, expected_version=loop.feedback.version, note="x"
        )


@pytest.mark.parametrize("role", NOT_QUALITY)
def test_nobody_but_quality_closes(loop, users, role):
    loop.verify(verdict=Verification.Verdict.NOT_REPRODUCED)
    loop.tell_outcome()

    with pytest.raises(DomainError, match="Only a quality engineer closes"):
        lifecycle.feedback_close_not_confirmed(
            feedback=loop.feedback, actor=users[role], expected_version=loop.feedback.version, note="x"
        )


# --- closing as a duplicate ------------------------------------------------------------------------------------------
def close_duplicate(loop, original_number, note="同一客户重复来电"):
    return lifecycle.feedback_close_duplicate(
        feedback=loop.feedback,
        actor=loop.qe,
        expected_version=loop.feedback.version,
        original_number=original_number,
        note=note,
    )


def test_a_duplicate_closes_with_a_link_to_the_original(loop):
    original = FeedbackFactory()

    close_duplicate(loop, original.number.lower())

    loop.reload()
    assert loop.feedback.status == Status.CLOSED
    assert loop.feedback.close_reason == CloseReason.DUPLICATE
    assert loop.feedback.duplicate_of == original
    assert list(original.duplicates.all()) == [loop.feedback]


def test_a_duplicate_of_itself_of_nothing_or_of_a_voided_record_is_refused(loop):
    voided = FeedbackFactory(status=Status.VOIDED)

    with pytest.raises(DomainError, match="cannot duplicate itself"):
        close_duplicate(loop, loop.feedback.number)
    with pytest.raises(DomainError, match="no feedback PF209999999"):
        close_duplicate(loop, "PF209999999")
    with pytest.raises(DomainError, match="live feedback"):
        close_duplicate(loop, voided.number)
    with pytest.raises(DomainError, match="reason"):
        close_duplicate(loop, FeedbackFactory().number, note="")

    assert Feedback.objects.get(pk=loop.feedback.pk).status == Status.REGISTERED


def test_a_duplicate_points_at_the_original_not_at_another_duplicate(loop, users, departments):
    original = FeedbackFactory()
    first = Loop(users, departments, FeedbackFactory())
    close_duplicate(first, original.number)

    with pytest.raises(DomainError, match=f"itself a duplicate of {original.number}"):
        close_duplicate(loop, first.feedback.number)


# --- closing as resolved -------------------------------------------------------------------------------------------
def test_closing_with_open_measures_is_refused_naming_every_reason(loop):
    loop.to_capa_in_progress()
    loop.reload()
    loop.feedback.status = Status.PENDING_CLOSE  # even if the status said so, the rules are checked

    with pytest.raises(DomainError) as refused:
        lifecycle.feedback_close_resolved(
            feedback=loop.feedback, actor=loop.qe, expected_version=loop.feedback.version
        )

    message = refused.value.message
    assert "Measures still open" in message
    assert loop.short.description in message and loop.long.description in message
    assert "not verified effective" in message
    assert "callback has not been made" in message
    assert Feedback.objects.get(pk=loop.feedback.pk).status == Status.IN_PROGRESS


def test_closing_waits_for_the_callback_once_the_capa_is_effective(loop):
    loop.to_capa_in_progress()
    loop.complete(loop.short)
    loop.complete(loop.long)
    loop.verify_effect()

    with pytest.raises(DomainError, match="callback is not recorded yet"):
        loop.close()
    loop.callback()
    loop.close()

    assert loop.feedback.status == Status.CLOSED
    assert loop.feedback.close_reason == CloseReason.RESOLVED
    assert not SlaClock.objects.filter(feedback=loop.feedback, outcome=Outcome.RUNNING).exists()


def test_the_full_loop_leaves_every_step_in_the_history(loop):
    loop.to_capa_in_progress()
    loop.complete(loop.short)
    loop.complete(loop.long)
    loop.verify_effect()
    loop.callback()
    loop.close()

    statuses = list(
        loop.feedback.history.order_by("history_date", "history_id").values_list("status", flat=True)
    )
    assert [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s] == [
        Status.REGISTERED,
        Status.VERIFIED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PENDING_CLOSE,
        Status.CLOSED,
    ]
    assert loop.capa.status == CapaStatus.EFFECTIVE
    assert all(m.state == Measure.State.COMPLETED for m in loop.capa.measures.all())


# --- the table of allowed moves ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.REGISTERED, Status.ASSIGNED),  # not before verification
        (Status.VERIFIED, Status.IN_PROGRESS),  # not before assignment
        (Status.ASSIGNED, Status.PENDING_CLOSE),  # not before the CAPA form is accepted
        (Status.IN_PROGRESS, Status.CLOSED),  # not before the CAPA form is verified effective
        (Status.CLOSED, Status.IN_PROGRESS),  # closed is closed
        (Status.VOIDED, Status.REGISTERED),
    ],
)
def test_a_move_outside_the_table_is_refused_with_a_clear_message(loop, start, target):
    Feedback.objects.filter(pk=loop.feedback.pk).update(status=start)

    with pytest.raises(DomainError, match="cannot become"):
        feedback_transition(feedback=loop.feedback, to_status=target, actor=loop.qe)

    assert Feedback.objects.get(pk=loop.feedback.pk).status == start


def test_the_transition_function_refuses_a_stale_version(loop):
    with pytest.raises(StaleError):
        feedback_transition(
            feedback=loop.feedback,
            to_status=Status.VERIFIED,
            actor=loop.qe,
            expected_version=loop.feedback.version - 1,
        )
