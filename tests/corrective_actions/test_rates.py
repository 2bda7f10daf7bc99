"""措施完成率 and 节点延迟率 on a known set of measures, per CAPA and per department, computed by the database."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from corrective_actions.models import Capa, Measure
from corrective_actions.selectors import measure_rates, measure_rates_by_capa, measure_rates_by_department
from tests.factories import UserFactory
from tests.factories.capa import CapaFactory, MeasureFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 1, 15)
DUE = dt.date(2026, 1, 10)  # passed
NOT_YET = dt.date(2026, 1, 20)  # not yet passed
DONE, OPEN, WITHDRAWN = Measure.State.COMPLETED, Measure.State.IN_PROGRESS, Measure.State.WITHDRAWN


@pytest.fixture
def known(departments):
    """Two CAPA forms, measures owned by 研发部 and 生产部:

    capa A (研发部): on time (done 01-08 for 01-10), late (done 01-12 for 01-10), open past due (01-10),
                     withdrawn (past due, not counted)
    capa B (生产部): open not yet due (01-20), done early before a date not yet passed (01-14 for 01-20),
                     planned for today (01-15: due at the end of today, not passed yet)
    """
    rd_owner = UserFactory(role=Role.DEPT_MEMBER, department=departments["rd"])
    prod_owner = UserFactory(role=Role.DEPT_MEMBER, department=departments["production"])
    capa_a = CapaFactory(lead_department=departments["rd"], title="A")
    capa_b = CapaFactory(lead_department=departments["production"], title="B")
    rows = [
        (capa_a, rd_owner, DUE, DONE, dt.date(2026, 1, 8)),
        (capa_a, rd_owner, DUE, DONE, dt.date(2026, 1, 12)),
        (capa_a, rd_owner, DUE, OPEN, None),
        (capa_a, rd_owner, dt.date(2026, 1, 5), WITHDRAWN, None),
        (capa_b, prod_owner, NOT_YET, OPEN, None),
        (capa_b, prod_owner, NOT_YET, DONE, dt.date(2026, 1, 14)),
        (capa_b, prod_owner, TODAY, Measure.State.PLANNED, None),
    ]
    for capa, owner, planned, state, completed in rows:
        MeasureFactory(capa=capa, owner=owner, planned_date=planned, state=state, completed_date=completed)
    return {"a": capa_a, "b": capa_b}


def test_overall_rates_count_completed_over_live_and_delays_over_passed_dates(known):
    rates = measure_rates(today=TODAY)

    assert rates["measures_total"] == 6  # the withdrawn one does not count
    assert rates["measures_completed"] == 3
    assert rates["completion_rate"] == pytest.approx(3 / 6)
    assert rates["measures_due"] == 3  # on time, late, open past due; 01-15 is not passed until tomorrow
    assert rates["measures_completed_late"] == 1
    assert rates["measures_open_overdue"] == 1
    assert rates["delay_rate"] == pytest.approx(2 / 3)


def test_rates_per_capa(known):
    by_capa = {c.title: c for c in measure_rates_by_capa(Capa.objects.all(), today=TODAY)}

    assert by_capa["A"].completion_rate == pytest.approx(2 / 3)
    assert by_capa["A"].delay_rate == pytest.approx(2 / 3)
    assert by_capa["B"].completion_rate == pytest.approx(1 / 3)
    assert by_capa["B"].delay_rate is None  # nothing of B has passed its planned date: no rate, not 0 %


def test_rates_per_department_in_one_query(known):
    with CaptureQueriesContext(connection) as queries:
        rows = {row["department_name"]: row for row in measure_rates_by_department(today=TODAY)}

    assert len(queries) == 1
    assert rows["研发部"]["completion_rate"] == pytest.approx(2 / 3)
    assert rows["研发部"]["delay_rate"] == pytest.approx(2 / 3)
    assert rows["生产部"]["completion_rate"] == pytest.approx(1 / 3)
    assert rows["生产部"]["delay_rate"] is None


def test_a_day_later_the_measure_planned_for_today_is_overdue(known):
    rates = measure_rates(today=TODAY + dt.timedelta(days=1))

    assert rates["measures_due"] == 4
    assert rates["measures_open_overdue"] == 2
    assert rates["delay_rate"] == pytest.approx(3 / 4)


def test_no_measures_give_no_rate_rather_than_zero(db):
    rates = measure_rates(today=TODAY)

    assert rates["completion_rate"] is None
    assert rates["delay_rate"] is None


def test_a_period_is_a_filtered_queryset(known):
    january_first_half = Measure.objects.filter(planned_date__lte=dt.date(2026, 1, 12))

    rates = measure_rates(january_first_half, today=TODAY)

    assert rates["measures_total"] == 3
    assert rates["delay_rate"] == pytest.approx(2 / 3)
