"""The CAPA form's rules, through the services: who writes, submits, reviews and executes; what is refused and
why; every round kept."""

import datetime as dt

import pytest

from accounts.roles import Role
from core.errors import DomainError, StaleError
from corrective_actions import services
from corrective_actions.models import CapaReview, CapaStatus, EffectVerification, Measure
from feedback.models import Callback, Feedback, Status
from sla.models import ClockKind, Outcome, SlaClock
from tests.factories import FeedbackFactory, UserFactory
from tests.factories.capa import Loop, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(users, departments):
    return Loop(users, departments)


def running(feedback, kind, measure=None):
    qs = SlaClock.objects.filter(feedback=feedback, kind=kind, outcome=Outcome.RUNNING)
    return qs.filter(measure=measure) if measure is not None else qs


# --- writing the form -------------------------------------------------------------------------------------------
def test_the_lead_department_member_opens_the_form_for_an_assigned_feedback(loop):
    loop.to_assigned()

    capa = loop.open_capa()

    assert capa.number.startswith("CA")
    assert capa.status == CapaStatus.DRAFT
    assert capa.lead_department == loop.departments["rd"]
    assert loop.feedback.capa == capa


@pytest.mark.parametrize("who", [Role.QUALITY_ENGINEER, Role.CS_AGENT, Role.MANAGEMENT, "other_member"])
def test_nobody_outside_the_lead_department_opens_the_form(loop, users, who):
    loop.to_assigned()

    with pytest.raises(DomainError, match="研发部"):
        loop.open_capa(actor=users[who])

    assert Feedback.objects.get(pk=loop.feedback.pk).capa is None


def test_a_form_is_opened_only_once_the_feedback_is_assigned(loop):
    loop.verify()

    with pytest.raises(DomainError, match="assigned"):
        loop.open_capa()


def test_a_planned_date_in_the_past_is_refused_naming_the_date(loop):
    loop.to_assigned()
    loop.open_capa()
    yesterday = today() - dt.timedelta(days=1)

    with pytest.raises(DomainError) as refused:
        loop.add_measure(planned=yesterday)

    assert str(yesterday) in refused.value.message
    assert "past" in refused.value.message
    assert "planned_date" in refused.value.field_errors
    assert not Measure.objects.exists()


def test_a_measure_without_owner_is_refused(loop):
    loop.to_assigned()
    loop.open_capa()

    with pytest.raises(DomainError, match="owner") as refused:
        services.measure_add(
            capa=loop.capa,
            actor=loop.member,
            kind=Measure.Kind.SHORT_TERM,
            description="免费更换",
            owner=None,
            planned_date=today(),
        )

    assert "owner" in refused.value.field_errors


def test_an_owner_outside_the_responsible_departments_is_refused(loop, users):
    loop.to_assigned()
    loop.open_capa()

    with pytest.raises(DomainError, match="not in a department responsible"):
        loop.add_measure(owner=users["other_member"])


def test_an_owner_in_another_assigned_department_may_own_a_measure(loop, users, departments):
    loop.verify()
    loop.classify()
    loop.grade()
    loop.assign(owners={departments["rd"]: loop.member, departments["production"]: users["other_member"]})
    loop.open_capa()

    measure = loop.add_measure(owner=users["other_member"])

    assert measure.department == departments["production"]


# --- submission and review ------------------------------------------------------------------------------------------
def test_only_the_head_of_the_lead_department_submits(loop, users):
    loop.to_assigned()
    loop.open_capa()
    loop.add_measure()

    with pytest.raises(DomainError, match="head of 研发部"):
        loop.submit(actor=loop.member)
    other_head = UserFactory(role=Role.DEPT_HEAD, department=loop.departments["production"])
    with pytest.raises(DomainError, match="head of 研发部"):
        loop.submit(actor=other_head)

    assert loop.capa.status == CapaStatus.DRAFT


def test_a_form_without_measures_or_root_cause_is_not_submitted_and_says_why(loop):
    loop.to_assigned()
    loop.open_capa()
    services.capa_update(
        capa=loop.capa,
        actor=loop.member,
        expected_version=loop.capa.version,
        title=loop.capa.title,
        root_cause_category="",
        root_cause_analysis="",
    )

    with pytest.raises(DomainError) as refused:
        loop.submit()

    message = refused.value.message
    assert "root-cause category" in message
    assert "root-cause analysis" in message
    assert "at least one measure" in message


def test_submission_stops_the_capa_form_clock(loop):
    loop.to_assigned()
    assert running(loop.feedback, ClockKind.CAPA_FORM).count() == 1
    loop.open_capa()
    loop.add_measure()

    loop.submit()

    assert loop.capa.status == CapaStatus.SUBMITTED
    assert loop.capa.submitted_by == loop.head
    assert not running(loop.feedback, ClockKind.CAPA_FORM).exists()
    assert SlaClock.objects.get(feedback=loop.feedback, kind=ClockKind.CAPA_FORM).outcome == Outcome.MET


def test_a_stale_submission_is_refused_not_applied(loop):
    loop.to_assigned()
    loop.open_capa()
    opened_version = loop.capa.version
    loop.add_measure()  # someone plans a measure after the head opened the page

    with pytest.raises(StaleError, match="changed by someone else"):
        services.capa_submit(capa=loop.capa, actor=loop.head, expected_version=opened_version)

    loop.capa.refresh_from_db()
    assert loop.capa.status == CapaStatus.DRAFT


def test_returning_needs_a_comment_and_keeps_the_round(loop):
    loop.to_assigned()
    loop.open_capa()
    loop.add_measure()
    loop.submit()

    with pytest.raises(DomainError, match="what must change"):
        loop.review(decision=CapaReview.Decision.RETURNED, comment="")
    loop.review(decision=CapaReview.Decision.RETURNED, comment="请补充长期措施")

    assert loop.capa.status == CapaStatus.RETURNED
    assert loop.capa.round == 1
    review = loop.capa.reviews.get()
    assert (review.decision, review.comment, review.round) == ("returned", "请补充长期措施", 1)


@pytest.mark.parametrize("who", [Role.DEPT_HEAD, Role.DEPT_MEMBER, Role.MANAGEMENT, Role.CS_SUPERVISOR])
def test_only_quality_reviews(loop, users, who):
    loop.to_assigned()
    loop.open_capa()
    loop.add_measure()
    loop.submit()

    with pytest.raises(DomainError, match="quality engineer"):
        loop.review(actor=users[who])

    assert loop.capa.status == CapaStatus.SUBMITTED


def test_acceptance_starts_each_measures_clock_and_moves_the_feedback_on(loop):
    loop.to_capa_in_progress()

    assert loop.capa.status == CapaStatus.IN_PROGRESS
    assert loop.feedback.status == Status.IN_PROGRESS
    for measure in (loop.short, loop.long):
        clock = running(loop.feedback, ClockKind.MEASURE, measure).get()
        assert clock.due_at.date() == measure.planned_date


def test_the_plan_is_frozen_once_submitted(loop):
    loop.to_assigned()
    loop.open_capa()
    loop.add_measure()
    loop.submit()

    with pytest.raises(DomainError, match="written or returned"):
        loop.add_measure()


# --- execution ------------------------------------------------------------------------------------------------------
def test_only_the_owner_or_the_lead_department_updates_a_measure(loop, users):
    loop.to_capa_in_progress()

    for who in (users["other_member"], users[Role.QUALITY_ENGINEER], users[Role.CS_AGENT]):
        with pytest.raises(DomainError, match="Only the owner"):
            loop.complete(loop.short, actor=who)

    loop.complete(loop.short, actor=loop.head)  # the lead department's head may
    loop.short.refresh_from_db()
    assert loop.short.state == Measure.State.COMPLETED


def test_a_completion_date_in_the_future_is_refused(loop):
    loop.to_capa_in_progress()

    with pytest.raises(DomainError, match="future"):
        loop.complete(loop.short, on=today() + dt.timedelta(days=1))


def test_a_stale_measure_update_is_refused(loop):
    loop.to_capa_in_progress()
    opened = loop.short.version
    services.measure_progress(
        measure=loop.short, actor=loop.member, expected_version=opened, progress_note="已采购电容"
    )

    with pytest.raises(StaleError):
        services.measure_progress(
            measure=loop.short,
            actor=loop.member,
            expected_version=opened,
            complete=True,
            completed_date=today(),
        )

    loop.short.refresh_from_db()
    assert loop.short.state == Measure.State.IN_PROGRESS
    assert "已采购电容" in loop.short.progress_note


def test_completing_the_short_term_measures_handles_the_customers_problem(loop):
    loop.to_capa_in_progress()

    loop.complete(loop.short)

    assert loop.feedback.handled_at is not None
    assert loop.feedback.callback.state == Callback.State.OPEN
    assert running(loop.feedback, ClockKind.CALLBACK).exists()
    assert loop.capa.status == CapaStatus.IN_PROGRESS  # the long-term measure is still open


def test_when_every_measure_is_done_the_effect_verification_clock_starts(loop):
    loop.to_capa_in_progress()
    loop.complete(loop.short)

    loop.complete(loop.long)

    assert loop.capa.status == CapaStatus.PENDING_VERIFICATION
    assert loop.capa.implemented_at is not None
    assert running(loop.feedback, ClockKind.EFFECT_VERIFICATION).exists()
    assert not running(loop.feedback, ClockKind.MEASURE).exists()


def test_withdrawing_during_execution_is_for_the_head_with_a_reason_and_keeps_the_measure(loop):
    loop.to_capa_in_progress()
    loop.complete(loop.short)

    with pytest.raises(DomainError, match="only the head"):
        services.measure_withdraw(measure=loop.long, actor=loop.member, reason="改由供应商整改")
    with pytest.raises(DomainError, match="why"):
        services.measure_withdraw(measure=loop.long, actor=loop.head, reason=" ")
    services.measure_withdraw(measure=loop.long, actor=loop.head, reason="改由供应商整改")

    loop.reload()
    withdrawn = Measure.objects.get(pk=loop.long.pk)
    assert withdrawn.state == Measure.State.WITHDRAWN
    assert withdrawn.withdrawn_reason == "改由供应商整改"
    assert loop.capa.measures.count() == 2  # still on the form
    # the only other measure is done: the form now awaits effect verification
    assert loop.capa.status == CapaStatus.PENDING_VERIFICATION
    assert SlaClock.objects.get(measure=withdrawn).outcome != Outcome.RUNNING


def test_a_completed_measure_cannot_be_withdrawn(loop):
    loop.to_capa_in_progress()
    loop.complete(loop.short)

    with pytest.raises(DomainError, match="completed measure"):
        services.measure_withdraw(measure=loop.short, actor=loop.head, reason="x")


# --- effect verification and rounds --------------------------------------------------------------------------------
def test_the_ineffective_loop_twice_keeps_every_round(loop):
    loop.to_capa_in_progress()
    loop.complete(loop.short)
    loop.complete(loop.long)

    # round 1: ineffective
    loop.verify_effect(EffectVerification.Result.INEFFECTIVE)
    assert (loop.capa.status, loop.capa.round) == (CapaStatus.RETURNED, 2)
    assert loop.feedback.status == Status.IN_PROGRESS
    assert running(loop.feedback, ClockKind.CAPA_FORM).exists()  # time again to plan the new round
    with pytest.raises(DomainError, match="Round 2 needs at least one new measure"):
        loop.submit()
    round2 = loop.add_measure(Measure.Kind.LONG_TERM, description="增加高温老化试验")
    loop.submit()
    loop.review()
    loop.complete(round2)

    # round 2: needs further work
    loop.verify_effect(EffectVerification.Result.NEEDS_WORK)
    assert (loop.capa.status, loop.capa.round) == (CapaStatus.RETURNED, 3)
    round3 = loop.add_measure(Measure.Kind.LONG_TERM, description="更换电容供应商")
    loop.submit()
    loop.review()
    loop.complete(round3)

    # round 3: effective
    loop.verify_effect(EffectVerification.Result.EFFECTIVE)
    assert loop.capa.status == CapaStatus.EFFECTIVE
    assert loop.feedback.status == Status.PENDING_CLOSE
    verifications = list(loop.capa.effect_verifications.values_list("round", "result"))
    assert verifications == [(1, "ineffective"), (2, "needs_work"), (3, "effective")]
    assert list(loop.capa.reviews.values_list("round", "decision")) == [
        (1, "accepted"),
        (2, "accepted"),
        (3, "accepted"),
    ]
    assert sorted(loop.capa.measures.values_list("round", flat=True)) == [1, 1, 2, 3]
    new_rounds = loop.capa.history.filter(history_change_reason__contains="new round of measures")
    assert new_rounds.count() == 2


def test_the_effect_is_verified_only_after_every_measure_is_implemented(loop):
    loop.to_capa_in_progress()

    with pytest.raises(DomainError, match="after every measure"):
        loop.verify_effect()


@pytest.mark.parametrize("who", [Role.DEPT_HEAD, Role.MANAGEMENT, Role.CS_SUPERVISOR])
def test_only_quality_verifies_the_effect(loop, users, who):
    loop.to_capa_in_progress()
    loop.complete(loop.short)
    loop.complete(loop.long)

    with pytest.raises(DomainError, match="quality engineer"):
        loop.verify_effect(actor=users[who])


def test_verified_effective_stops_its_clock_and_awaits_closing(loop):
    loop.to_capa_in_progress()
    loop.complete(loop.short)
    loop.complete(loop.long)

    loop.verify_effect()

    assert loop.capa.verified_effective_at is not None
    assert not running(loop.feedback, ClockKind.EFFECT_VERIFICATION).exists()
    assert loop.feedback.status == Status.PENDING_CLOSE


# --- several feedbacks, one root cause ------------------------------------------------------------------------------
def test_a_quality_engineer_links_a_second_feedback_which_then_follows_the_form(loop, users, departments):
    loop.to_capa_in_progress()
    second = Loop(users, departments, FeedbackFactory(registered_by=users[Role.CS_AGENT]))
    second.phenomenon = loop.phenomenon
    second.to_assigned()

    linked = services.capa_link_feedback(capa=loop.capa, feedback=second.feedback, actor=loop.qe)

    assert linked.capa == loop.capa
    assert linked.status == Status.IN_PROGRESS  # the form is already accepted
    assert not running(linked, ClockKind.CAPA_FORM).exists()
    loop.complete(loop.short)
    loop.complete(loop.long)
    loop.verify_effect()
    second.reload()
    assert second.feedback.status == Status.PENDING_CLOSE
    assert second.feedback.callback.state == Callback.State.OPEN


def test_linking_needs_the_lead_department_among_the_feedbacks_departments(loop, users, departments):
    loop.to_capa_in_progress()
    other = Loop(users, departments, FeedbackFactory(registered_by=users[Role.CS_AGENT]))
    other.verify()
    other.classify()
    other.grade()
    other.assign(owners={departments["production"]: users["other_member"]}, lead=departments["production"])

    with pytest.raises(DomainError, match=r"Assign .* to 研发部 first"):
        services.capa_link_feedback(capa=loop.capa, feedback=other.feedback, actor=loop.qe)


def test_only_quality_links_feedback(loop, users, departments):
    loop.to_capa_in_progress()
    second = Loop(users, departments, FeedbackFactory(registered_by=users[Role.CS_AGENT]))
    second.to_assigned()

    with pytest.raises(DomainError, match="quality engineer"):
        services.capa_link_feedback(capa=loop.capa, feedback=second.feedback, actor=loop.head)
