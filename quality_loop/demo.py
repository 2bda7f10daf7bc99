"""Demo data through the whole quality loop, for `make run` (seed_demo). Every step goes through the real
services, as the user of that role, at the moment it would have happened: a feedback registered five weeks ago is
closed, one from last week has its CAPA form under way, one from yesterday waits for verification.

The services read the clock through ``django.utils.timezone.now``; while a step runs, that clock is set to the
step's moment (``_at``). Nothing but this demo seeding does that."""

import datetime as dt
from contextlib import contextmanager
from unittest import mock

from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from catalog.models import FaultPhenomenon
from corrective_actions import services as capa_services
from corrective_actions.models import Capa, CapaReview, EffectVerification, Measure
from feedback.models import Category, CommunicationLog, Feedback, Satisfaction, Severity, Status, Verification
from notifications.models import Notification

from . import contacts, lifecycle

ROOT_CAUSES = {
    "aircon": ("design", "膨胀阀选型余量不足，高温工况下冷媒流量偏小，导致制冷量衰减。"),
    "fridge": ("process", "门封条装配工序压接不到位，冷气外泄导致冷藏室结霜。"),
    "washer": ("material", "供应商减震弹簧批次刚度偏低，脱水时整机共振。"),
    "heater": ("design", "电热水器防电墙设计余量不足，水质导电率高时出水口带电。"),
    "tv": ("material", "背光驱动板电容批次不良，开机十几秒后背光关闭。"),
}


@contextmanager
def _at(moment: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class DemoLoop:
    def __init__(self, users: dict[str, User]):
        self.users = users
        self.now = timezone.now()
        self.departments = {d.code: d for d in Department.objects.all()}

    def run(self) -> int:
        moved = 0
        feedbacks = Feedback.objects.filter(status=Status.REGISTERED).select_related("product_model__line")
        for index, feedback in enumerate(feedbacks.order_by("registered_at", "id")):
            if self._carry(index, feedback):
                moved += 1
        # The seeding's notices are history: nobody needs them mailed now; the old ones are read.
        Notification.objects.filter(emailed_at__isnull=True).update(emailed_at=self.now)
        Notification.objects.filter(feedback__status=Status.CLOSED).update(read_at=self.now)
        return moved

    def _step(self, moment: dt.datetime, action) -> bool:
        """Run ``action`` as at ``moment`` if that moment has passed; False (and nothing done) otherwise."""
        if moment > self.now - dt.timedelta(minutes=30):
            return False
        with _at(moment), transaction.atomic():
            action()
        return True

    def _customer_told(self, moment: dt.datetime, feedback: Feedback, agent, content: str) -> bool:
        """Customer service logs telling the customer an outcome, as at ``moment``."""
        return self._step(
            moment,
            lambda: contacts.contact_log_add(
                feedback=feedback, actor=agent, content=content, kind=CommunicationLog.Kind.OUTCOME
            ),
        )

    def _on_feedback(self, service, feedback: Feedback, **kwargs):
        """``service`` on the feedback as it is now, with its current version."""
        fresh = Feedback.objects.get(pk=feedback.pk)
        return service(feedback=fresh, expected_version=fresh.version, **kwargs)

    def _on_capa(self, service, capa: Capa, **kwargs):
        """``service`` on the CAPA form as it is now, with its current version."""
        fresh = Capa.objects.get(pk=capa.pk)
        return service(capa=fresh, expected_version=fresh.version, **kwargs)

    def _carry(self, index: int, feedback: Feedback) -> bool:
        quality, agent = self.users["quality"], feedback.cs_owner
        start = feedback.registered_at
        line = feedback.product_model.line.code
        hazard = "漏电" in feedback.description or "麻电" in feedback.description
        confirmed = index % 11 != 5
        t_verify = start + dt.timedelta(hours=20)
        verdict = Verification.Verdict.CONFIRMED if confirmed else Verification.Verdict.NOT_REPRODUCED
        if not self._step(
            t_verify,
            lambda: self._on_feedback(
                lifecycle.feedback_verify,
                feedback,
                actor=quality,
                frequency=Verification.Frequency.FREQUENT if confirmed else Verification.Frequency.ONCE,
                verdict=verdict,
                methods=[Verification.Method.PHONE, Verification.Method.PHOTOS],
                usage_environment="家庭使用，室温约30℃" if line == "aircon" else "家庭使用",
                operating_steps="按说明书正常操作",
                note="电话回访确认客户描述属实。" if confirmed else "指导客户复位后故障未再出现。",
            ),
        ):
            return False
        if not confirmed:
            self._customer_told(
                t_verify + dt.timedelta(hours=2),
                feedback,
                agent,
                "已告知客户核实结果：故障未能复现，已指导正确使用方法，客户认可。",
            )
            self._step(
                t_verify + dt.timedelta(hours=3),
                lambda: self._on_feedback(
                    lifecycle.feedback_close_not_confirmed,
                    feedback,
                    actor=quality,
                    note="问题未复现，已告知客户。",
                ),
            )
            return True
        faults = list(FaultPhenomenon.objects.filter(line__code=line).order_by("id"))
        fault = faults[index % len(faults)]
        severity = Severity.URGENT if hazard else (Severity.SERIOUS if index % 3 else Severity.GENERAL)
        t_class = t_verify + dt.timedelta(minutes=10)

        def classify_and_grade():
            self._on_feedback(
                lifecycle.feedback_classify,
                feedback,
                actor=quality,
                category=Category.FUNCTIONAL if index % 4 else Category.PERFORMANCE,
                fault_phenomenon=fault,
            )
            self._on_feedback(lifecycle.feedback_grade, feedback, actor=quality, severity=severity)

        if not self._step(t_class, classify_and_grade):
            return True
        if severity == Severity.URGENT:
            self._step(
                t_class + dt.timedelta(hours=2),
                lambda: self._on_feedback(
                    lifecycle.feedback_emergency_started,
                    feedback,
                    actor=quality,
                    note="已通知客户停止使用并断电，安排售后工程师24小时内上门检测。",
                ),
            )
        lead_code = "rd" if line in ("aircon", "heater", "tv") else "production"
        member = self.users["rd_member" if lead_code == "rd" else "prod_member"]
        head = self.users["rd_head" if lead_code == "rd" else "prod_head"]
        t_assign = t_verify + dt.timedelta(hours=6)
        owners = {self.departments[lead_code]: member}
        if index % 4 == 0:
            other = "production" if lead_code == "rd" else "rd"
            owners[self.departments[other]] = self.users[
                "prod_member" if other == "production" else "rd_member"
            ]
        if not self._step(
            t_assign,
            lambda: self._on_feedback(
                lifecycle.feedback_assign,
                feedback,
                actor=quality,
                owners=owners,
                lead=self.departments[lead_code],
            ),
        ):
            return True
        category, analysis = ROOT_CAUSES[line]
        t_capa = t_assign + dt.timedelta(days=1)
        state = {}

        def write_capa():
            capa = capa_services.capa_create(
                feedback=feedback,
                actor=member,
                title=f"{feedback.product_model.name}{fault.name}纠正与预防措施",
                root_cause_category=category,
                root_cause_analysis=analysis,
            )
            capa_services.measure_add(
                capa=capa,
                actor=member,
                kind=Measure.Kind.SHORT_TERM,
                description="安排售后工程师上门检修，必要时免费更换故障部件。",
                owner=member,
                planned_date=(t_capa + dt.timedelta(days=3)).date(),
            )
            capa_services.measure_add(
                capa=capa,
                actor=member,
                kind=Measure.Kind.LONG_TERM,
                description="优化设计/工艺并在出厂检验中增加对应老化测试项目。",
                owner=member,
                planned_date=(t_capa + dt.timedelta(days=18)).date(),
            )
            state["capa"] = capa

        if not self._step(t_capa, write_capa):
            return True
        capa = state["capa"]
        t_submit = t_capa + dt.timedelta(hours=20)
        if not self._submit_and_accept(
            capa, head, t_submit, t_submit + dt.timedelta(hours=3), comment="原因分析充分，措施可行。"
        ):
            return True
        measures = capa.measures.order_by("id")
        short = measures.get(kind=Measure.Kind.SHORT_TERM)
        long_ = measures.get(kind=Measure.Kind.LONG_TERM)
        self._complete(short, member, t_capa + dt.timedelta(days=3, hours=-4))
        satisfaction = [
            Satisfaction.SATISFIED,
            Satisfaction.SATISFIED,
            Satisfaction.BASIC,
            Satisfaction.UNSATISFIED,
        ][index % 4]
        t_handled = t_capa + dt.timedelta(days=3)
        self._customer_told(
            t_handled + dt.timedelta(hours=2),
            feedback,
            agent,
            "已告知客户：上门检修完成，故障部件已免费更换。",
        )
        if index % 5 == 2:
            self._step(
                t_handled + dt.timedelta(days=1),
                lambda: contacts.callback_attempt_record(
                    feedback=feedback, actor=agent, outcome="no_answer", comment="无人接听"
                ),
            )
        self._step(
            t_handled + dt.timedelta(days=1, hours=3),
            lambda: contacts.callback_attempt_record(
                feedback=feedback,
                actor=agent,
                outcome="reached",
                satisfaction=satisfaction,
                comment={
                    "satisfied": "维修及时，很满意",
                    "basic": "问题解决了，但等待时间有点长",
                    "unsatisfied": "上门时间一再推迟，不满意",
                }[satisfaction],
            ),
        )
        late = index % 7 == 3
        done_long = t_capa + dt.timedelta(days=23 if late else 16)
        if not self._complete(long_, member, done_long):
            return True
        t_effect = done_long + dt.timedelta(days=2)
        rework = index % 9 == 4
        if not self._verify_effect(
            capa,
            t_effect,
            EffectVerification.Method.BOTH,
            EffectVerification.Result.NEEDS_WORK if rework else EffectVerification.Result.EFFECTIVE,
            "同批次返修率仍偏高，需进一步优化。" if rework else "回访客户故障未再出现，内部可靠性测试通过。",
        ):
            return True
        if rework:
            t_round = t_effect + dt.timedelta(days=1)
            if not self._step(
                t_round,
                lambda: capa_services.measure_add(
                    capa=capa,
                    actor=member,
                    kind=Measure.Kind.LONG_TERM,
                    description="扩大改进范围至同平台其他型号，并增加来料抽检比例。",
                    owner=member,
                    planned_date=(t_round + dt.timedelta(days=4)).date(),
                ),
            ):
                return True
            if not self._submit_and_accept(
                capa, head, t_round + dt.timedelta(hours=4), t_round + dt.timedelta(hours=6)
            ):
                return True
            newest = capa.measures.order_by("-id").first()
            if not self._complete(newest, member, t_round + dt.timedelta(days=4)):
                return True
            t_effect = t_round + dt.timedelta(days=6)
            if not self._verify_effect(
                capa,
                t_effect,
                EffectVerification.Method.INTERNAL_TEST,
                EffectVerification.Result.EFFECTIVE,
                "第二轮措施后复测通过。",
            ):
                return True
        self._step(
            t_effect + dt.timedelta(hours=2),
            lambda: self._on_feedback(
                lifecycle.feedback_close_resolved, feedback, actor=quality, note="措施验证有效，客户已回访。"
            ),
        )
        return True

    def _submit_and_accept(
        self, capa: Capa, head: User, submit_at: dt.datetime, accept_at: dt.datetime, comment: str = ""
    ) -> bool:
        """The head submits the form, the quality engineer accepts it."""
        return self._step(
            submit_at, lambda: self._on_capa(capa_services.capa_submit, capa, actor=head)
        ) and self._step(
            accept_at,
            lambda: self._on_capa(
                capa_services.capa_review,
                capa,
                actor=self.users["quality"],
                decision=CapaReview.Decision.ACCEPTED,
                comment=comment,
            ),
        )

    def _verify_effect(self, capa: Capa, at: dt.datetime, method: str, result: str, note: str) -> bool:
        return self._step(
            at,
            lambda: self._on_capa(
                capa_services.effect_verification_record,
                capa,
                actor=self.users["quality"],
                method=method,
                result=result,
                note=note,
            ),
        )

    def _complete(self, measure: Measure, owner: User, at: dt.datetime) -> bool:
        def complete():
            fresh = Measure.objects.get(pk=measure.pk)
            capa_services.measure_progress(
                measure=fresh,
                actor=owner,
                expected_version=fresh.version,
                progress_note="已完成。",
                complete=True,
                completed_date=timezone.localtime(at).date(),
            )

        return self._step(at, complete)
