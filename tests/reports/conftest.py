"""The fixture month: October 2026 (Asia/Shanghai), with September 2026 as the previous period. Every record is
made directly (no services), so each number in test_figures.py can be worked out by hand from this file.

Feedback in October (12 counted): f1 … f12. Not counted: x1 (2026-09-30 23:59:59, September), x2
(2026-11-01 00:00:00, November, still open), x3 (a draft), x4 (voided); p1 (September)."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest

from accounts.roles import Role
from corrective_actions.models import Capa, CapaStatus, EffectVerification, Measure
from feedback.models import Callback, Category, Channel, Severity, Status
from sla.models import ClockKind, Outcome, SlaClock
from tests.factories import (
    AssignmentFactory,
    FaultPhenomenonFactory,
    FeedbackFactory,
    ProductLineFactory,
    ProductModelFactory,
    UserFactory,
)

CHINA = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0, ss=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=CHINA)


@dataclass
class World:
    users: dict
    departments: dict
    lines: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    faults: dict = field(default_factory=dict)
    feedback: dict = field(default_factory=dict)
    capas: dict = field(default_factory=dict)


def _clock(feedback, kind, outcome, due, *, measure=None, started=None, stopped=None):
    started = started or due - dt.timedelta(days=2)
    if stopped is None and outcome in (Outcome.MET, Outcome.MISSED, Outcome.CANCELLED):
        stopped = due - dt.timedelta(hours=1) if outcome == Outcome.MET else due + dt.timedelta(hours=5)
    return SlaClock.objects.create(
        feedback=feedback,
        kind=kind,
        measure=measure,
        started_at=started,
        due_at=due,
        warn_at=due - dt.timedelta(days=1),
        stopped_at=stopped,
        outcome=outcome,
    )


@pytest.fixture
def october(users, departments) -> World:
    w = World(users=users, departments=departments)
    rd, prod = departments["rd"], departments["production"]
    a1, a2 = users[Role.CS_AGENT], users["other_agent"]  # 客服小王, 客服小张
    qe = users[Role.QUALITY_ENGINEER]
    head_rd = users[Role.DEPT_HEAD]
    prod_member = users["other_member"]

    w.lines["ac"] = ProductLineFactory(code="ac", name="空调")
    w.lines["fridge"] = ProductLineFactory(code="fridge", name="冰箱")
    w.models["m1"] = ProductModelFactory(line=w.lines["ac"], name="智能空调", code="KFR-001")
    w.models["m2"] = ProductModelFactory(line=w.lines["ac"], name="变频空调", code="KFR-002")
    w.models["m3"] = ProductModelFactory(line=w.lines["fridge"], name="对开门冰箱", code="BCD-003")
    for key, name in (
        ("cool", "制冷效果差"),
        ("noise", "噪音大"),
        ("power", "不开机"),
        ("leak", "漏水"),
        ("smell", "异味"),
        ("remote", "遥控失灵"),
        ("scratch", "外壳划伤"),
    ):
        w.faults[key] = FaultPhenomenonFactory(name=name)

    def fb(key, when, model, fault, category, severity, channel, agent, status, **extra):
        registered = extra.pop("registered_at", when + dt.timedelta(minutes=30))
        w.feedback[key] = FeedbackFactory(
            number=f"PF2026{when.month:02d}{len(w.feedback) + 1:03d}",
            feedback_time=when,
            product_model=w.models[model],
            fault_phenomenon=w.faults[fault] if fault else None,
            category=category,
            severity=severity,
            channel=channel,
            registered_by=agent,
            cs_owner=agent,
            status=status,
            registered_at=registered,
            registration_due_at=when + dt.timedelta(days=1),
            **extra,
        )
        return w.feedback[key]

    F, P, A, S = Category.FUNCTIONAL, Category.PERFORMANCE, Category.APPEARANCE, Category.SERVICE
    I, II, III = Severity.GENERAL, Severity.SERIOUS, Severity.URGENT  # noqa: E741
    H, E, D, OC, T = Channel.HOTLINE, Channel.EMAIL, Channel.DEALER, Channel.ONLINE_CHAT, Channel.THIRD_PARTY
    # --- the twelve of October ---
    fb("f1", at(2026, 10, 1, 0, 0, 0), "m1", "cool", F, I, H, a1, Status.CLOSED)
    fb("f2", at(2026, 10, 31, 23, 59, 59), "m1", "cool", F, II, E, a1, Status.REGISTERED)  # registered Nov 1
    fb("f3", at(2026, 10, 5), "m1", "cool", P, II, H, a2, Status.VERIFIED)
    fb("f4", at(2026, 10, 6), "m2", "noise", A, I, D, a2, Status.ASSIGNED)
    fb("f5", at(2026, 10, 7), "m2", "noise", S, III, H, a1, Status.ASSIGNED, registered_at=at(2026, 10, 9))
    fb("f6", at(2026, 10, 8), "m3", "power", F, III, OC, a1, Status.IN_PROGRESS)
    fb("f7", at(2026, 10, 9), "m3", "leak", F, I, H, a2, Status.PENDING_CLOSE)
    fb("f8", at(2026, 10, 10), "m3", "smell", P, I, E, a2, Status.CLOSED, registered_at=at(2026, 10, 12))
    fb("f9", at(2026, 10, 11), "m1", "remote", F, II, H, a1, Status.IN_PROGRESS)
    fb("f10", at(2026, 10, 12), "m1", "scratch", A, I, H, a1, Status.CLOSED)
    fb("f11", at(2026, 10, 13), "m2", None, "", "", H, a2, Status.REGISTERED)  # unclassified, not graded
    fb("f12", at(2026, 10, 14), "m1", "power", F, I, T, a1, Status.ASSIGNED)
    # --- not in October ---
    fb(
        "x1",
        at(2026, 9, 30, 23, 59, 59),
        "m1",
        "cool",
        F,
        I,
        H,
        a1,
        Status.CLOSED,
        registered_at=at(2026, 10, 1, 0, 10),
    )
    fb("x2", at(2026, 11, 1, 0, 0, 0), "m1", "cool", F, I, H, a1, Status.REGISTERED)
    fb("x3", at(2026, 10, 15), "m1", "scratch", A, I, H, a1, Status.DRAFT, registered_at=None)
    fb("x4", at(2026, 10, 16), "m1", "scratch", A, I, H, a2, Status.VOIDED)
    fb("p1", at(2026, 9, 15), "m3", "leak", F, I, H, a2, Status.CLOSED)
    f = w.feedback
    f["f2"].registered_at = at(2026, 11, 1, 0, 20)
    f["f2"].save(update_fields=["registered_at"])

    # --- responsible departments (lead first) ---
    def assign(feedback, department, owner, when, lead=True):
        AssignmentFactory(
            feedback=feedback,
            department=department,
            owner=owner,
            is_lead=lead,
            assigned_by=qe,
            assigned_at=when,
        )

    assign(f["f4"], rd, head_rd, at(2026, 10, 7))
    assign(f["f5"], rd, head_rd, at(2026, 10, 8))
    assign(f["f6"], rd, head_rd, at(2026, 10, 8, 9))
    assign(f["f7"], rd, head_rd, at(2026, 10, 10))
    assign(f["f9"], prod, prod_member, at(2026, 10, 13, 9))
    assign(f["f12"], prod, prod_member, at(2026, 10, 15))
    assign(f["f12"], rd, head_rd, at(2026, 10, 15), lead=False)

    # --- CAPA forms ---
    def capa(key, lead, opened_for, status, submitted=None, effective=None):
        w.capas[key] = Capa.objects.create(
            number=f"CA2026{len(w.capas) + 1:04d}",
            title=f"{key} 纠正措施",
            lead_department=lead,
            status=status,
            created_by=head_rd,
            opened_for=opened_for,
            submitted_at=submitted,
            verified_effective_at=effective,
        )
        opened_for.capa = w.capas[key]
        opened_for.save(update_fields=["capa"])
        return w.capas[key]

    c1 = capa("c1", rd, f["f6"], CapaStatus.IN_PROGRESS, submitted=at(2026, 10, 10, 14))  # 2 working days
    c2 = capa("c2", prod, f["f9"], CapaStatus.IN_PROGRESS, submitted=at(2026, 10, 20, 10))  # 5 working days
    c3 = capa("c3", rd, f["f7"], CapaStatus.EFFECTIVE, submitted=at(2026, 9, 20), effective=at(2026, 10, 25))
    c4 = capa("c4", rd, f["f1"], CapaStatus.EFFECTIVE, submitted=at(2026, 9, 10), effective=at(2026, 10, 5))
    c5 = capa("c5", prod, f["f8"], CapaStatus.EFFECTIVE, submitted=at(2026, 10, 3), effective=at(2026, 11, 2))
    c6 = capa(
        "c6", prod, f["f10"], CapaStatus.EFFECTIVE, submitted=at(2026, 9, 1), effective=at(2026, 10, 31, 23)
    )
    Capa.objects.filter(pk=c5.pk).update(submitted_at=at(2026, 9, 3))  # not submitted in October

    def verify(capa_obj, round_, result, when):
        EffectVerification.objects.create(
            capa=capa_obj,
            round=round_,
            method="internal_test",
            result=result,
            note="复测",
            verified_by=qe,
            verified_at=when,
        )

    verify(c3, 1, EffectVerification.Result.INEFFECTIVE, at(2026, 10, 1))
    verify(c3, 2, EffectVerification.Result.EFFECTIVE, at(2026, 10, 25))
    verify(c4, 1, EffectVerification.Result.EFFECTIVE, at(2026, 10, 5))
    verify(c5, 1, EffectVerification.Result.EFFECTIVE, at(2026, 11, 2))
    verify(c6, 1, EffectVerification.Result.EFFECTIVE, at(2026, 10, 31, 23))

    # --- measures ---
    def measure(capa_obj, department, owner, planned, state, completed=None):
        return Measure.objects.create(
            capa=capa_obj,
            kind=Measure.Kind.SHORT_TERM,
            description=f"措施 {planned}",
            owner=owner,
            department=department,
            planned_date=planned,
            state=state,
            completed_date=completed,
            created_by=owner,
        )

    done, open_, withdrawn = Measure.State.COMPLETED, Measure.State.IN_PROGRESS, Measure.State.WITHDRAWN
    m1 = measure(c1, rd, head_rd, dt.date(2026, 10, 20), done, dt.date(2026, 10, 18))
    m2 = measure(c2, prod, prod_member, dt.date(2026, 10, 25), done, dt.date(2026, 10, 27))
    measure(c1, rd, head_rd, dt.date(2026, 10, 28), open_)
    measure(c2, prod, prod_member, dt.date(2026, 10, 15), withdrawn)
    measure(c1, rd, head_rd, dt.date(2026, 11, 5), done, dt.date(2026, 11, 4))
    measure(c2, prod, prod_member, dt.date(2026, 10, 30), done, dt.date(2026, 10, 30))

    # --- deadlines ---
    R, V, EM, CF, ME, EV, CB = (
        ClockKind.REGISTRATION,
        ClockKind.VERIFICATION,
        ClockKind.EMERGENCY,
        ClockKind.CAPA_FORM,
        ClockKind.MEASURE,
        ClockKind.EFFECT_VERIFICATION,
        ClockKind.CALLBACK,
    )
    MET, MISSED, RUN, CANCEL = Outcome.MET, Outcome.MISSED, Outcome.RUNNING, Outcome.CANCELLED
    eod = lambda y, m, d: at(y, m, d, 23, 59, 59)  # noqa: E731
    _clock(f["f1"], R, MET, eod(2026, 10, 2))
    _clock(f["f5"], R, MISSED, eod(2026, 10, 8))
    _clock(f["f3"], V, MET, eod(2026, 10, 7))
    _clock(f["f11"], V, RUN, eod(2026, 10, 20))  # overdue now
    _clock(f["f4"], CF, MET, eod(2026, 10, 10))
    _clock(f["f5"], CF, MISSED, eod(2026, 10, 12))
    _clock(f["f12"], CF, RUN, eod(2026, 10, 20))  # overdue now (lead 生产部)
    _clock(f["f6"], CF, CANCEL, eod(2026, 10, 15))  # cancelled: nowhere
    _clock(f["f6"], EM, MET, at(2026, 10, 9, 10))
    _clock(f["f6"], ME, MET, eod(2026, 10, 20), measure=m1)
    _clock(f["f9"], ME, MISSED, eod(2026, 10, 25), measure=m2)
    _clock(f["f1"], CB, MET, eod(2026, 10, 31))
    _clock(f["f8"], CB, MET, eod(2026, 11, 1))  # November
    _clock(f["f3"], CB, RUN, eod(2026, 9, 30))  # September, overdue now
    _clock(f["f7"], EV, MISSED, eod(2026, 10, 28))
    _clock(f["x4"], R, CANCEL, eod(2026, 10, 17))  # voided
    _clock(f["x3"], R, RUN, eod(2026, 10, 16))  # a draft: not counted
    _clock(f["f2"], V, RUN, eod(2027, 1, 10))  # running, not yet due

    # --- satisfaction callbacks ---
    def callback(feedback, state, satisfaction, closed):
        Callback.objects.create(
            feedback=feedback,
            state=state,
            satisfaction=satisfaction,
            opened_at=closed - dt.timedelta(days=1),
            closed_at=closed,
            closed_by=a1 if closed else None,
        )

    DONE, UNREACHABLE, OPEN = Callback.State.DONE, Callback.State.UNREACHABLE, Callback.State.OPEN
    callback(f["f1"], DONE, "satisfied", at(2026, 10, 20))
    callback(f["f8"], DONE, "basic", at(2026, 10, 31, 23, 59, 59))
    callback(f["f10"], DONE, "unsatisfied", at(2026, 10, 15))
    callback(f["f7"], UNREACHABLE, "", at(2026, 10, 22))
    callback(f["x1"], DONE, "satisfied", at(2026, 11, 1, 0, 0, 0))
    Callback.objects.create(feedback=f["f6"], state=OPEN)
    callback(f["x4"], DONE, "satisfied", at(2026, 10, 10))
    callback(f["p1"], DONE, "satisfied", at(2026, 9, 20))
    return w


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the test client logged in as ``user``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def another_head(departments):
    return UserFactory(
        username="prod_head", name="生产部长吴", role=Role.DEPT_HEAD, department=departments["production"]
    )
