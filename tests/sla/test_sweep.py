"""The sweep: clocks that turn due soon or overdue tell the right people, exactly once."""

import datetime as dt
import threading

import pytest
from django.db import connection

from accounts.roles import Role
from feedback.models import Severity
from notifications.models import Level, Notification
from sla.models import ClockKind, SlaClock
from sla.services import clock_start, clock_stop, clocks_pause, clocks_sweep
from tests.factories import AssignmentFactory, DepartmentFactory, FeedbackFactory, UserFactory
from tests.factories.sla import MeasureFactory
from workcalendar.calendar import CHINA

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


def recipients(kind: str | None = None, feedback=None) -> list[str]:
    qs = Notification.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if feedback is not None:
        qs = qs.filter(feedback=feedback)
    return sorted(qs.values_list("recipient__username", flat=True))


@pytest.fixture
def people():
    quality = DepartmentFactory(code="quality", name="质量部")
    rnd = DepartmentFactory(code="rnd", name="研发部")
    return {
        "agent": UserFactory(username="agent", role=Role.CS_AGENT),
        "cs_supervisor": UserFactory(username="cs_supervisor", role=Role.CS_SUPERVISOR),
        "qe1": UserFactory(username="qe1", role=Role.QUALITY_ENGINEER, department=quality),
        "qe2": UserFactory(username="qe2", role=Role.QUALITY_ENGINEER, department=quality),
        "quality_head": UserFactory(username="quality_head", role=Role.DEPT_HEAD, department=quality),
        "rnd_member": UserFactory(username="rnd_member", role=Role.DEPT_MEMBER, department=rnd),
        "rnd_head": UserFactory(username="rnd_head", role=Role.DEPT_HEAD, department=rnd),
        "boss": UserFactory(username="boss", role=Role.MANAGEMENT),
        "quality": quality,
        "rnd": rnd,
    }


def test_due_soon_tells_the_owner_once_and_overdue_adds_the_supervisor_once(people):
    # given a registration clock due Monday 20 May 2024 23:59:59 (due soon from noon)
    feedback = FeedbackFactory(
        registered_by=people["agent"], cs_owner=people["agent"], feedback_time=at(2024, 5, 17, 14, 30)
    )
    clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)

    # nothing before the warning point
    assert clocks_sweep(now=at(2024, 5, 20, 11, 0)).notices == 0

    # when the sweep runs after noon, twice
    first = clocks_sweep(now=at(2024, 5, 20, 12, 1))
    again = clocks_sweep(now=at(2024, 5, 20, 12, 2))

    # then the owner alone is told once
    assert (first.due_soon, first.notices, again.notices) == (1, 1, 0)
    assert recipients("sla.due_soon") == ["agent"]
    notice = Notification.objects.get()
    assert feedback.number in notice.subject["zh-hans"]
    assert feedback.number in notice.subject["en"]
    assert "due soon" in notice.subject["en"]

    # when it runs after the deadline, twice
    overdue = clocks_sweep(now=at(2024, 5, 21, 0, 1))
    clocks_sweep(now=at(2024, 5, 21, 0, 2))

    # then the owner and the customer service supervisor are told once
    assert overdue.overdue == 1
    assert recipients("sla.overdue") == ["agent", "cs_supervisor"]
    assert Notification.objects.count() == 3


def test_a_clock_found_already_overdue_sends_only_the_overdue_notice(people):
    feedback = FeedbackFactory(registered_by=people["agent"], feedback_time=at(2024, 5, 17, 14, 30))
    clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)

    result = clocks_sweep(now=at(2024, 5, 22, 9, 0))

    assert (result.due_soon, result.overdue) == (0, 1)
    assert recipients("sla.due_soon") == []
    clock = SlaClock.objects.get()
    assert clock.warn_notified_at is not None  # and it will not be sent later either
    assert clocks_sweep(now=at(2024, 5, 22, 9, 1)).notices == 0


def test_a_met_clock_sends_nothing(people):
    feedback = FeedbackFactory(registered_by=people["agent"], feedback_time=at(2024, 5, 17, 14, 30))
    clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=feedback.feedback_time)
    clock_stop(feedback=feedback, kind=ClockKind.REGISTRATION, at=at(2024, 5, 17, 16, 0))

    result = clocks_sweep(now=at(2024, 5, 23, 9, 0))

    assert result.notices == 0
    assert not Notification.objects.exists()


def test_a_paused_clock_sends_nothing(people):
    feedback = FeedbackFactory(registered_by=people["agent"])
    clock_start(feedback=feedback, kind=ClockKind.CALLBACK, start=at(2024, 5, 13, 9, 0))
    clocks_pause(feedback=feedback, at=at(2024, 5, 13, 10, 0))

    assert clocks_sweep(now=at(2024, 6, 30, 9, 0)).notices == 0


def test_verification_without_an_owner_goes_to_all_quality_engineers_then_their_head(people):
    feedback = FeedbackFactory(registered_by=people["agent"], quality_owner=None)
    clock_start(feedback=feedback, kind=ClockKind.VERIFICATION, start=at(2024, 5, 13, 9, 0))

    clocks_sweep(now=at(2024, 5, 15, 1, 0))
    assert recipients("sla.due_soon") == ["qe1", "qe2"]

    clocks_sweep(now=at(2024, 5, 16, 1, 0))
    assert recipients("sla.overdue") == ["qe1", "qe2", "quality_head"]


def test_effect_verification_goes_to_the_quality_owner_then_the_quality_head(people):
    feedback = FeedbackFactory(registered_by=people["agent"], quality_owner=people["qe2"])
    clock_start(feedback=feedback, kind=ClockKind.EFFECT_VERIFICATION, start=at(2024, 5, 13, 9, 0))

    clocks_sweep(now=at(2024, 6, 1, 9, 0))

    assert recipients("sla.overdue") == ["qe2", "quality_head"]


def test_emergency_clock_tells_quality_departments_and_management_at_once(people):
    # given a Ⅲ feedback assigned to R&D, graded at 20:00
    feedback = FeedbackFactory(
        registered_by=people["agent"], quality_owner=people["qe1"], severity=Severity.URGENT
    )
    AssignmentFactory(feedback=feedback, department=people["rnd"], owner=people["rnd_member"], is_lead=True)
    clock_start(feedback=feedback, kind=ClockKind.EMERGENCY, start=at(2024, 5, 18, 20, 0))

    # when it turns due soon (4 hours before, Sunday 16:00) and overdue
    clocks_sweep(now=at(2024, 5, 19, 16, 0))
    clocks_sweep(now=at(2024, 5, 19, 20, 1))

    # then quality, the department owner and management are told, urgently; overdue escalates to the heads
    assert recipients("sla.due_soon") == ["boss", "qe1", "rnd_member"]
    assert recipients("sla.overdue") == ["boss", "qe1", "quality_head", "rnd_head", "rnd_member"]
    assert set(Notification.objects.values_list("level", flat=True)) == {Level.URGENT}


def test_capa_form_clock_goes_to_the_lead_department_owner_then_its_head(people):
    feedback = FeedbackFactory(registered_by=people["agent"])
    AssignmentFactory(feedback=feedback, department=people["rnd"], owner=people["rnd_member"], is_lead=True)
    AssignmentFactory(feedback=feedback, department=people["quality"], owner=people["qe2"], is_lead=False)
    clock_start(feedback=feedback, kind=ClockKind.CAPA_FORM, start=at(2024, 5, 13, 9, 0))

    clocks_sweep(now=at(2024, 5, 20, 9, 0))

    assert recipients("sla.overdue") == ["rnd_head", "rnd_member"]


def test_measure_clock_goes_to_the_measure_owner_then_the_head_of_their_department(people):
    feedback = FeedbackFactory(registered_by=people["agent"])
    measure = MeasureFactory(owner=people["rnd_member"], planned_date=dt.date(2024, 5, 20))
    clock_start(feedback=feedback, kind=ClockKind.MEASURE, start=at(2024, 5, 10, 9, 0), measure=measure)

    clocks_sweep(now=at(2024, 5, 16, 9, 0))
    clocks_sweep(now=at(2024, 5, 21, 9, 0))

    assert recipients("sla.due_soon") == ["rnd_member"]
    assert recipients("sla.overdue") == ["rnd_head", "rnd_member"]
    assert "更换压缩机减震垫" in Notification.objects.filter(kind="sla.overdue").first().subject["zh-hans"]


def test_overdue_on_a_level_three_feedback_also_tells_management(people):
    feedback = FeedbackFactory(
        registered_by=people["agent"], quality_owner=people["qe1"], severity=Severity.URGENT
    )
    clock_start(feedback=feedback, kind=ClockKind.VERIFICATION, start=at(2024, 5, 13, 9, 0))

    clocks_sweep(now=at(2024, 5, 20, 9, 0))

    assert recipients("sla.overdue") == ["boss", "qe1", "quality_head"]


def test_the_sweep_works_in_batches_and_reads_only_due_clocks(people, django_assert_max_num_queries):
    # given 30 overdue clocks and 30 that are not due yet
    for index in range(60):
        feedback = FeedbackFactory(registered_by=people["agent"])
        start = at(2024, 5, 13, 9, 0) if index < 30 else at(2024, 6, 3, 9, 0)
        clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=start)

    # when the sweep runs with batches of 7: a constant number of queries per batch, not per clock
    with django_assert_max_num_queries(60):
        result = clocks_sweep(now=at(2024, 5, 20, 9, 0), batch_size=7)

    assert result.overdue == 30
    assert Notification.objects.filter(kind="sla.overdue").count() == 60  # agent + supervisor each


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_nothing_twice(people):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need row locks (PostgreSQL)")
    # given 120 overdue clocks
    for _ in range(120):
        feedback = FeedbackFactory(registered_by=people["agent"], cs_owner=people["agent"])
        clock_start(feedback=feedback, kind=ClockKind.REGISTRATION, start=at(2024, 5, 13, 9, 0))

    # when two sweeps start at the same moment in two threads (two database connections)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(clocks_sweep(now=at(2024, 5, 20, 9, 0), batch_size=10))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # then every clock was claimed by exactly one of them, and each person got each notice once
    assert errors == []
    assert sum(result.overdue for result in results) == 120
    assert Notification.objects.filter(recipient=people["agent"]).count() == 120
    assert Notification.objects.filter(recipient=people["cs_supervisor"]).count() == 120
    assert sum(result.notices for result in results) == 240
    assert all(result.overdue > 0 for result in results), results  # both really took part
