"""The kept counts (corrective_actions/kept_counts.py) give the department rates of the CAPA list and the quality
home, and the forms per status of the management home, exactly as counting every measure and form does, whatever
changed them: saves, bulk updates, deletes, a department whose measures were all withdrawn, two transactions at
once."""

import datetime as dt
import random
import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count

from accounts.roles import Role
from corrective_actions import kept_counts
from corrective_actions.models import Capa, CapaStatus, Measure, MeasureDay
from corrective_actions.selectors import capa_overview_counts, measure_rates_by_department
from tests.factories import UserFactory
from tests.factories.capa import CapaFactory, MeasureFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the counts are kept on PostgreSQL only (SQLite counts directly)",
)

TODAY = dt.date(2026, 3, 16)
STATES = [Measure.State.PLANNED, Measure.State.IN_PROGRESS, Measure.State.COMPLETED, Measure.State.WITHDRAWN]


def assert_kept_equals_counted() -> None:
    for today in (TODAY - dt.timedelta(days=20), TODAY, TODAY + dt.timedelta(days=40)):
        kept = measure_rates_by_department(today=today)
        counted = measure_rates_by_department(Measure.objects.all(), today=today)
        assert kept == counted, today


def _random_measures(rng: random.Random, departments, n: int) -> list[Measure]:
    owners = [UserFactory(role=Role.DEPT_MEMBER, department=d) for d in departments.values()]
    capas = [CapaFactory(lead_department=owner.department) for owner in owners]
    measures = []
    for _ in range(n):
        owner = rng.choice(owners)
        planned = TODAY + dt.timedelta(days=rng.randint(-30, 30))
        state = rng.choice(STATES)
        completed = (
            planned + dt.timedelta(days=rng.randint(-5, 5)) if state == Measure.State.COMPLETED else None
        )
        measures.append(
            MeasureFactory(
                capa=rng.choice(capas),
                owner=owner,
                planned_date=planned,
                state=state,
                completed_date=completed,
            )
        )
    return measures


@pytest.mark.django_db
def test_saves_bulk_updates_and_deletes_keep_the_counts_equal_to_counting_every_measure(departments):
    rng = random.Random(7)
    measures = _random_measures(rng, departments, 60)
    assert MeasureDay.objects.exists()
    assert_kept_equals_counted()

    for measure in rng.sample(
        measures, 25
    ):  # one save at a time: progress, completion, a new date, withdrawal
        measure.state = rng.choice(STATES)
        measure.completed_date = TODAY + dt.timedelta(days=rng.randint(-10, 10))
        measure.planned_date += dt.timedelta(days=rng.randint(-3, 3))
        measure.save()
    assert_kept_equals_counted()

    # past the services: a bulk update moving dates and departments, a bulk delete
    Measure.objects.filter(id__in=[m.id for m in measures[:20]]).update(
        department=departments["production"], planned_date=TODAY
    )
    Measure.objects.filter(id__in=[m.id for m in measures[40:50]]).delete()
    assert_kept_equals_counted()


@pytest.mark.django_db
def test_a_department_whose_measures_are_all_withdrawn_keeps_its_row_with_no_rates(departments):
    owner = UserFactory(role=Role.DEPT_MEMBER, department=departments["rd"])
    measure = MeasureFactory(
        capa=CapaFactory(lead_department=departments["rd"]), owner=owner, planned_date=TODAY
    )
    measure.state = Measure.State.WITHDRAWN
    measure.save()

    (row,) = measure_rates_by_department(today=TODAY)

    assert row["department_name"] == departments["rd"].name
    assert row["measures_total"] == 0 and row["completion_rate"] is None and row["delay_rate"] is None
    assert_kept_equals_counted()
    measure.delete()
    assert measure_rates_by_department(today=TODAY) == []


@pytest.mark.django_db
def test_a_rebuild_gives_the_counts_the_triggers_kept(departments):
    _random_measures(random.Random(3), departments, 30)
    before = measure_rates_by_department(today=TODAY)

    kept_counts.rebuild()

    assert measure_rates_by_department(today=TODAY) == before
    assert_kept_equals_counted()


@pytest.mark.django_db(transaction=True)
def test_two_transactions_completing_measures_of_the_same_day_both_count(departments):
    owner = UserFactory(role=Role.DEPT_MEMBER, department=departments["rd"])
    capa = CapaFactory(lead_department=departments["rd"])
    measures = [MeasureFactory(capa=capa, owner=owner, planned_date=TODAY) for _ in range(2)]
    barrier = threading.Barrier(2)

    def complete(measure):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                measure.state, measure.completed_date = Measure.State.COMPLETED, TODAY
                measure.save()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=complete, args=(m,)) for m in measures]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    (row,) = measure_rates_by_department(today=TODAY)
    assert row["measures_completed"] == 2 and row["completion_rate"] == 1.0
    assert_kept_equals_counted()


def _counted_statuses() -> dict:
    return dict(Capa.objects.values_list("status").annotate(n=Count("id")).order_by())


@pytest.mark.django_db
def test_the_forms_per_status_follow_creation_moves_bulk_updates_and_deletes(departments):
    forms = [CapaFactory(lead_department=departments["rd"]) for _ in range(6)]
    assert capa_overview_counts() == _counted_statuses() == {forms[0].status: 6}
    Capa.objects.update(status=CapaStatus.DRAFT)
    for form in forms:
        form.refresh_from_db()

    forms[0].status = CapaStatus.SUBMITTED
    forms[0].save()
    Capa.objects.filter(pk__in=[forms[1].pk, forms[2].pk]).update(status=CapaStatus.IN_PROGRESS)
    Capa.objects.filter(pk=forms[3].pk).delete()

    assert capa_overview_counts() == _counted_statuses()
    assert capa_overview_counts() == {CapaStatus.DRAFT: 2, CapaStatus.SUBMITTED: 1, CapaStatus.IN_PROGRESS: 2}
    kept_counts.rebuild()
    assert capa_overview_counts() == _counted_statuses()
