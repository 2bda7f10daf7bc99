"""The dashboard tests' data (HTTP and browser): feedback of the last minutes, so inside "the last 30 days" and the
current month whenever the tests run (except in a month's first hour)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.roles import Role
from feedback.models import Channel, Status
from tests.factories import (
    AssignmentFactory,
    FaultPhenomenonFactory,
    FeedbackFactory,
    ProductLineFactory,
    ProductModelFactory,
)
from tests.factories.capa import Loop


def recently(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def build_recent(users, departments) -> dict:
    """Feedback of the last 30 days in two departments, product models, fault phenomena and channels, one
    unclassified, one draft and one voided (neither counted), two through the quality loop (their clocks), and two
    of 40 days ago (outside the period, inside the 12-month trend)."""
    agent, agent2 = users[Role.CS_AGENT], users["other_agent"]
    line = ProductLineFactory(code="aircon", name="空调")
    fridge = ProductLineFactory(code="fridge", name="冰箱")
    model_a = ProductModelFactory(line=line, code="KFR-35GW", name="智能空调")
    model_b = ProductModelFactory(line=fridge, code="BCD-470", name="对开门冰箱")
    cooling = FaultPhenomenonFactory(name="制冷效果差")
    scratch = FaultPhenomenonFactory(name="外壳划伤")
    made = []
    for i in range(3):
        made.append(
            FeedbackFactory(
                registered_by=agent,
                feedback_time=recently(5 + i),
                product_model=model_a,
                category="functional",
                severity="II",
                fault_phenomenon=cooling,
                channel=Channel.HOTLINE,
                status=Status.ASSIGNED,
            )
        )
        AssignmentFactory(feedback=made[-1], department=departments["rd"], owner=users[Role.DEPT_MEMBER])
    for i in range(2):
        made.append(
            FeedbackFactory(
                registered_by=agent2,
                feedback_time=recently(10 + i),
                product_model=model_b,
                category="appearance",
                severity="I",
                fault_phenomenon=scratch,
                channel=Channel.DEALER,
                status=Status.ASSIGNED,
                registered_at=recently(10 + i) + dt.timedelta(days=3),  # registered late
            )
        )
        AssignmentFactory(
            feedback=made[-1], department=departments["production"], owner=users["other_member"]
        )
    made.append(FeedbackFactory(registered_by=agent, feedback_time=recently(20), channel=Channel.EMAIL))
    FeedbackFactory(registered_by=agent, feedback_time=recently(21), status=Status.DRAFT, registered_at=None)
    FeedbackFactory(registered_by=agent, feedback_time=recently(22), status=Status.VOIDED)
    for i in range(2):
        FeedbackFactory(
            registered_by=agent,
            feedback_time=timezone.now() - dt.timedelta(days=40, minutes=i),
            category="service",
        )
    loops = []
    for severity in ("II", "III"):
        loop = Loop(users, departments, FeedbackFactory(registered_by=agent, feedback_time=recently(30)))
        loop.verify()
        loop.classify()
        loop.grade(severity)
        loop.assign()
        loops.append(loop)
    return {"line": line, "fridge": fridge, "feedback": made, "loops": loops}
