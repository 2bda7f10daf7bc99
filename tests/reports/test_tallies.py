"""The tallies (reports/tallies.py) give the same figures as counting the records, whatever changed them.

On PostgreSQL the dashboard reads tallies kept by triggers; ``REPORTS_TALLIES = False`` makes it count the records
directly (what SQLite always does). Each test changes records (through the services, by bulk updates, from two
transactions at once) and compares every figure of the dashboard both ways, for several periods and scopes."""

from __future__ import annotations

import json
import random
import threading

import pytest
from django.db import connection, connections
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.roles import Role
from corrective_actions.models import EffectVerification, Measure
from feedback.models import CallbackAttempt, Feedback, Satisfaction, Status
from feedback.services import feedback_void
from reports import selectors, tallies
from reports.models import Fact, PendingRefresh, Tally
from reports.periods import Period
from reports.tasks import keep_tallies
from sla.models import Outcome, SlaClock
from tests.factories import FeedbackFactory, ProductLineFactory, ProductModelFactory
from tests.factories.capa import Loop

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the tallies are kept on PostgreSQL only (SQLite counts directly)",
)

STEPS = ["verify", "classify", "assign", "capa", "complete", "effect", "callback", "close"]


def _figures(settings, period, scope, *, tallied: bool) -> str:
    settings.REPORTS_TALLIES = tallied
    figures = selectors.dashboard(period, scope)
    figures.pop("generated_at")
    figures["backlog"].pop("as_of")
    return json.dumps(figures, sort_keys=True, default=str)


def assert_same_figures(settings, scopes) -> None:
    today = timezone.localdate()
    for period in (
        Period.last_days(30, today),
        Period.last_days(90, today),
        Period.month(today.year, today.month),
    ):
        for scope in scopes:
            tallied = _figures(settings, period, scope, tallied=True)
            direct = _figures(settings, period, scope, tallied=False)
            assert tallied == direct, (period.label, scope)


def _carry(loop: Loop, depth: int, rng: random.Random, departments, users) -> None:
    """The feedback through the first ``depth`` steps of its lifecycle, by the services."""
    for step in STEPS[:depth]:
        if step == "verify":
            loop.verify()
        elif step == "classify":
            loop.classify(category=rng.choice(["functional", "performance", "appearance", "service"]))
            loop.grade(severity=rng.choice(["I", "II", "III"]))
        elif step == "assign":
            owners = {departments["rd"]: users[Role.DEPT_MEMBER]}
            if rng.random() < 0.5:
                owners[departments["production"]] = users["other_member"]
            loop.assign(owners=owners)
        elif step == "capa":
            loop.open_capa()
            loop.short = loop.add_measure(Measure.Kind.SHORT_TERM)
            loop.long = loop.add_measure(Measure.Kind.LONG_TERM)
            loop.submit()
            loop.review()
        elif step == "complete":
            loop.complete(loop.short)
            loop.complete(loop.long)
        elif step == "effect":
            if rng.random() < 0.3:  # a first verification that fails, then the second round
                loop.verify_effect(result=EffectVerification.Result.INEFFECTIVE)
                break
            loop.verify_effect()
        elif step == "callback":
            loop.tell_outcome()
            if rng.random() < 0.2:
                for _attempt in range(3):
                    loop.callback(outcome=CallbackAttempt.Outcome.NO_ANSWER)
            else:
                loop.callback(satisfaction=rng.choice(list(Satisfaction.values)))
        elif step == "close" and loop.feedback.status == Status.PENDING_CLOSE:
            loop.close()


@pytest.fixture
def world(users, departments):
    line = ProductLineFactory(code="ac", name="空调")
    other_line = ProductLineFactory(code="tv", name="电视")
    models = [
        ProductModelFactory(line=line, code="KFR-35", name="空调一"),
        ProductModelFactory(line=line, code="KFR-50", name="空调二"),
        ProductModelFactory(line=other_line, code="TV-55", name="电视一"),
    ]
    scopes = [
        selectors.Scope(),
        selectors.Scope(department_id=departments["rd"].pk),
        selectors.Scope(department_id=departments["production"].pk),
        selectors.Scope(product_line_id=line.pk),
        selectors.Scope(department_id=departments["rd"].pk, product_line_id=other_line.pk),
    ]
    return {"models": models, "scopes": scopes}


def test_random_lifecycles_through_the_services_give_the_same_figures(settings, users, departments, world):
    rng = random.Random(20261204)
    loops = []
    for i in range(14):
        feedback = FeedbackFactory(
            registered_by=rng.choice([users[Role.CS_AGENT], users["other_agent"]]),
            product_model=rng.choice(world["models"]),
            channel=rng.choice(["hotline", "email", "dealer"]),
            feedback_time=timezone.now() - timezone.timedelta(days=rng.randint(0, 80), minutes=i),
        )
        loop = Loop(users, departments, feedback)
        _carry(loop, rng.randint(0, len(STEPS)), rng, departments, users)
        loops.append(loop)
    assert PendingRefresh.objects.exists()  # queued by the writes, counted when somebody asks
    assert_same_figures(settings, world["scopes"])
    assert Tally.objects.exists() and not PendingRefresh.objects.exists()

    # a void takes the feedback out of every figure; reclassifying moves it
    feedback_void(feedback=loops[0].reload().feedback, actor=users[Role.ADMINISTRATOR], reason="重复登记")
    loops[1].reload().classify(category="service")
    assert_same_figures(settings, world["scopes"])

    # merged tallies give the same sums with fewer rows
    tallies.flush()
    rows_before = Tally.objects.count()
    assert tallies.compact() > 0
    assert Tally.objects.count() < rows_before
    assert_same_figures(settings, world["scopes"])


def test_writes_that_bypass_the_services_are_counted_too(settings, users, departments, world):
    """A bulk update (an administrator's script, a data repair) goes past every service: the triggers see it."""
    for i in range(6):
        loop = Loop(users, departments, FeedbackFactory(product_model=world["models"][i % 3]))
        _carry(loop, 5, random.Random(i), departments, users)
    assert_same_figures(settings, world["scopes"])

    Feedback.objects.filter(pk__in=Feedback.objects.order_by("id").values("pk")[:3]).update(
        category="appearance", severity="III", product_model=world["models"][2]
    )
    SlaClock.objects.filter(outcome=Outcome.MET).update(outcome=Outcome.MISSED)
    Measure.objects.update(department=departments["production"])
    assert_same_figures(settings, world["scopes"])

    # and a rebuild from the records gives exactly the tallies kept so far
    def sums():
        return sorted(
            Tally.objects.values("bucket", "department_id", "day", "model_id", "key", "key2")
            .annotate(total=Sum("n"))
            .filter(total__gt=0)
            .values_list("bucket", "department_id", "day", "model_id", "key", "key2", "total")
        )

    tallies.flush()
    kept = sums()
    tallies.rebuild()
    assert sums() == kept


@pytest.mark.django_db(transaction=True)
def test_two_flushes_at_once_count_each_change_once(settings, users, departments, world):
    """Two readers ask at the same moment, with changes queued: the second flush waits for the first one and
    finds nothing left to do; every feedback counts once."""
    loops = []
    for i in range(4):
        loop = Loop(users, departments, FeedbackFactory(product_model=world["models"][i % 3]))
        _carry(loop, 3, random.Random(i), departments, users)
        loops.append(loop)
    tallies.flush()
    Feedback.objects.filter(pk__in=[loop.feedback.pk for loop in loops]).update(category="service")
    SlaClock.objects.filter(feedback__in=[loop.feedback for loop in loops], outcome=Outcome.RUNNING).update(
        outcome=Outcome.MISSED
    )
    queued = set(PendingRefresh.objects.filter(kind="f").values_list("ref_id", flat=True))
    assert queued == {loop.feedback.pk for loop in loops}
    start, refreshed, errors = threading.Barrier(2), [], []

    def reader():
        try:
            start.wait(5)
            refreshed.append(tallies.flush())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reader) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors
    assert sorted(refreshed) == [0, 4]
    assert not PendingRefresh.objects.exists()
    for loop in loops:
        facts = Fact.objects.filter(
            feedback_id=loop.feedback.pk, bucket=tallies.Bucket.CATEGORY, department_id=0
        )
        assert list(facts.values_list("key", flat=True)) == ["service"]
    assert_same_figures(settings, world["scopes"])


def test_beat_keeps_the_tallies(settings, users, departments, world):
    """The minute's beat task refreshes what changed and merges the tally rows into one per key: the figures stay
    the same."""
    loops = []
    for i in range(3):
        loop = Loop(users, departments, FeedbackFactory(product_model=world["models"][i]))
        _carry(loop, 4, random.Random(i), departments, users)
        loops.append(loop)
    tallies.flush()
    for i, loop in enumerate(loops):
        loop.reload().classify(category="appearance")
        loop.grade(severity="III" if i else "I")
    assert PendingRefresh.objects.exists()
    assert keep_tallies() == 3
    assert not PendingRefresh.objects.exists()
    keys = Tally.objects.values("bucket", "department_id", "day", "model_id", "key", "key2")
    assert keys.annotate(rows=Count("id")).filter(rows__gt=1).count() == 0
    assert_same_figures(settings, world["scopes"])
