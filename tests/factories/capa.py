"""Factories for CAPA forms and measures (built directly: for reading, rates and permissions), and ``Loop``: one
feedback carried through the quality loop by the real services, step by step, for the rule tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.roles import Role
from corrective_actions import services as capa_services
from corrective_actions.models import Capa, CapaStatus, EffectVerification, Measure
from feedback.models import CallbackAttempt, CommunicationLog, Feedback, Satisfaction, Verification
from quality_loop import contacts, lifecycle
from tests.factories import DepartmentFactory, FaultPhenomenonFactory, FeedbackFactory, UserFactory


class CapaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Capa

    number = factory.Sequence(lambda n: f"CA209901{n + 1:03d}")
    title = factory.Sequence(lambda n: f"压缩机启动电容失效 {n}")
    lead_department = factory.SubFactory(DepartmentFactory)
    status = CapaStatus.IN_PROGRESS
    root_cause_category = "material"
    root_cause_analysis = "供应商电容批次耐温不足"
    created_by = factory.SubFactory(UserFactory, role=Role.DEPT_MEMBER)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    capa = factory.SubFactory(CapaFactory)
    kind = Measure.Kind.SHORT_TERM
    description = factory.Sequence(lambda n: f"为已售用户免费更换电容 {n}")
    owner = factory.SubFactory(UserFactory, role=Role.DEPT_MEMBER)
    department = factory.LazyAttribute(lambda m: m.owner.department)
    planned_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    created_by = factory.SelfAttribute("owner")


def today() -> dt.date:
    return timezone.localdate()


class Loop:
    """A feedback carried through the lifecycle by the services, as the users of ``users`` (tests/fixtures/domain).
    Each step returns what the service returned; ``self.feedback`` / ``self.capa`` are re-read after each step."""

    def __init__(self, users, departments, feedback: Feedback | None = None):
        self.users = users
        self.departments = departments
        self.qe = users[Role.QUALITY_ENGINEER]
        self.member = users[Role.DEPT_MEMBER]
        self.head = users[Role.DEPT_HEAD]
        self.agent = users[Role.CS_AGENT]
        self.feedback = feedback or FeedbackFactory(registered_by=self.agent)
        self.capa: Capa | None = None
        self.phenomenon = FaultPhenomenonFactory(name="不制冷")

    def reload(self) -> Loop:
        self.feedback.refresh_from_db()
        if self.feedback.capa_id:
            self.capa = Capa.objects.get(pk=self.feedback.capa_id)
        return self

    # --- feedback steps ---
    def verify(self, verdict=Verification.Verdict.CONFIRMED, actor=None):
        result = lifecycle.feedback_verify(
            feedback=self.feedback,
            actor=actor or self.qe,
            expected_version=self.feedback.version,
            frequency=Verification.Frequency.ALWAYS,
            verdict=verdict,
            methods=[Verification.Method.PHONE, Verification.Method.VIDEO],
            usage_environment="室温32℃，连续运行",
            operating_steps="开机制冷模式 16℃",
        )
        self.reload()
        return result

    def classify(self, category="functional", actor=None):
        result = lifecycle.feedback_classify(
            feedback=self.feedback,
            actor=actor or self.qe,
            expected_version=self.feedback.version,
            category=category,
            fault_phenomenon=self.phenomenon,
        )
        self.reload()
        return result

    def grade(self, severity="II", actor=None):
        result = lifecycle.feedback_grade(
            feedback=self.feedback,
            actor=actor or self.qe,
            expected_version=self.feedback.version,
            severity=severity,
        )
        self.reload()
        return result

    def assign(self, owners=None, lead=None, actor=None):
        rd = self.departments["rd"]
        owners = owners if owners is not None else {rd: self.member}
        result = lifecycle.feedback_assign(
            feedback=self.feedback,
            actor=actor or self.qe,
            expected_version=self.feedback.version,
            owners=owners,
            lead=lead or rd,
        )
        self.reload()
        return result

    def to_assigned(self):
        self.verify()
        self.classify()
        self.grade()
        self.assign()
        return self

    # --- CAPA steps ---
    def open_capa(self, actor=None):
        self.capa = capa_services.capa_create(
            feedback=self.feedback,
            actor=actor or self.member,
            title="压缩机启动电容失效",
            root_cause_category="material",
            root_cause_analysis="供应商电容批次耐温不足，高温下容量衰减",
        )
        self.reload()
        return self.capa

    def add_measure(
        self, kind=Measure.Kind.SHORT_TERM, owner=None, planned=None, actor=None, description=None
    ):
        self.capa.refresh_from_db()
        measure = capa_services.measure_add(
            capa=self.capa,
            actor=actor or self.member,
            kind=kind,
            description=description
            or ("为已售用户免费更换电容" if kind == Measure.Kind.SHORT_TERM else "电容耐温规格提升至105℃"),
            owner=owner or self.member,
            planned_date=planned or today() + dt.timedelta(days=10),
        )
        self.capa.refresh_from_db()
        return measure

    def submit(self, actor=None):
        self.capa.refresh_from_db()
        result = capa_services.capa_submit(
            capa=self.capa, actor=actor or self.head, expected_version=self.capa.version
        )
        self.reload()
        return result

    def review(self, decision="accepted", comment="", actor=None):
        self.capa.refresh_from_db()
        result = capa_services.capa_review(
            capa=self.capa,
            actor=actor or self.qe,
            expected_version=self.capa.version,
            decision=decision,
            comment=comment,
        )
        self.reload()
        return result

    def complete(self, measure: Measure, actor=None, on: dt.date | None = None):
        measure.refresh_from_db()
        result = capa_services.measure_progress(
            measure=measure,
            actor=actor or measure.owner,
            expected_version=measure.version,
            progress_note="已完成",
            complete=True,
            completed_date=on or today(),
        )
        self.reload()
        return result

    def verify_effect(self, result=EffectVerification.Result.EFFECTIVE, actor=None):
        self.capa.refresh_from_db()
        verification = capa_services.effect_verification_record(
            capa=self.capa,
            actor=actor or self.qe,
            expected_version=self.capa.version,
            method=EffectVerification.Method.CUSTOMER_FOLLOWUP,
            result=result,
            note="回访30天无复发" if result == EffectVerification.Result.EFFECTIVE else "仍有复发",
        )
        self.reload()
        return verification

    def to_capa_in_progress(self):
        """Assigned, CAPA with one short-term and one long-term measure, submitted and accepted."""
        self.to_assigned()
        self.open_capa()
        self.short = self.add_measure(Measure.Kind.SHORT_TERM)
        self.long = self.add_measure(Measure.Kind.LONG_TERM)
        self.submit()
        self.review()
        return self

    # --- customer service ---
    def tell_outcome(self, actor=None):
        result = contacts.contact_log_add(
            feedback=self.feedback,
            actor=actor or self.agent,
            content="已告知客户核实结果",
            kind=CommunicationLog.Kind.OUTCOME,
        )
        self.reload()
        return result

    def callback(self, outcome=CallbackAttempt.Outcome.REACHED, satisfaction=Satisfaction.SATISFIED, at=None):
        result = contacts.callback_attempt_record(
            feedback=self.feedback,
            actor=self.agent,
            outcome=outcome,
            satisfaction=satisfaction if outcome == CallbackAttempt.Outcome.REACHED else "",
            comment="客户表示问题已解决",
            attempted_at=at,
        )
        self.reload()
        return result

    def close(self, actor=None):
        result = lifecycle.feedback_close_resolved(
            feedback=self.feedback, actor=actor or self.qe, expected_version=self.feedback.version
        )
        self.reload()
        return result
