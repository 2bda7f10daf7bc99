"""The records of the quality loop's steps on a feedback: verification, assignments, customer contacts, the
satisfaction callback and its attempts, waiting periods. They are the feedback app's models (imported by
feedback/models.py), and point to the feedback by name."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Satisfaction


class Verification(models.Model):
    """问题核实: what the quality engineer learnt from the customer, and the verdict."""

    class Frequency(models.TextChoices):
        ONCE = "once", _("Once")
        INTERMITTENT = "intermittent", _("Intermittent")
        FREQUENT = "frequent", _("Frequent")
        ALWAYS = "always", _("Every time")

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video")
        PHOTOS = "photos", _("Photos")
        PHYSICAL = "physical", _("Physical unit")

    class Verdict(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        NOT_REPRODUCED = "not_reproduced", _("Not reproduced")
        NOT_PRODUCT = "not_product", _("Not a product problem")

    feedback = models.OneToOneField(
        "feedback.Feedback", on_delete=models.PROTECT, related_name="verification"
    )
    frequency = models.CharField(_("fault frequency"), max_length=16, choices=Frequency.choices)
    usage_environment = models.TextField(_("usage environment"), blank=True)
    operating_steps = models.TextField(_("operating steps"), blank=True)
    methods = models.JSONField(_("confirmed by"), default=list)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    note = models.TextField(_("note"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        indexes = [
            # customer service's "tell the customer" section: the few not confirmed among every verification
            models.Index(
                fields=["feedback"],
                include=["verified_at"],
                condition=models.Q(verdict__in=["not_reproduced", "not_product"]),
                name="verification_not_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feedback}: {self.get_verdict_display()}"


class Assignment(models.Model):
    """部门对接: a responsible department with a named owner. One assignment per feedback is the lead."""

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.PROTECT, related_name="assignments")
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    is_lead = models.BooleanField(_("lead department"), default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_lead", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["feedback", "department"], name="one_assignment_per_department"),
        ]
        indexes = [
            models.Index(fields=["department", "feedback"], name="assignment_dept_feedback"),
            # a feedback's lead department (the management figures' clock departments), from the index alone
            models.Index(
                fields=["feedback"],
                include=["department"],
                condition=models.Q(is_lead=True),
                name="assignment_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feedback} → {self.department}"


class CommunicationLog(models.Model):
    """A contact with the customer: what was said, how, by whom."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        MESSAGE = "message", _("SMS / WeChat")
        ONSITE = "onsite", _("On site")
        OTHER = "other", _("Other")

    class Kind(models.TextChoices):
        GENERAL = "general", _("General contact")
        OUTCOME = "outcome", _("Told the customer the outcome")

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.PROTECT, related_name="communications")
    contacted_at = models.DateTimeField(_("contacted at"), default=timezone.now)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices, default=Method.PHONE)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GENERAL)
    content = models.TextField(_("content"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-contacted_at", "-id"]
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")

    def __str__(self) -> str:
        return f"{self.feedback} {self.contacted_at:%Y-%m-%d %H:%M}"


class Callback(models.Model):
    """满意度回访: opened when the customer's problem is handled; done on the attempt that reaches the customer,
    or closed as unreachable after three failed attempts over three working days."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        UNREACHABLE = "unreachable", _("Customer unreachable")

    feedback = models.OneToOneField("feedback.Feedback", on_delete=models.PROTECT, related_name="callback")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("satisfaction callback")
        verbose_name_plural = _("satisfaction callbacks")
        indexes = [
            models.Index(fields=["satisfaction", "closed_at"], name="callback_satisfaction"),
            # the management figures (reports.selectors): callbacks recorded in a period
            models.Index(fields=["closed_at", "state", "satisfaction", "feedback"], name="callback_closed"),
            # the customer service homes (issue 10): callbacks still to make, a few among every closed feedback's
            models.Index(fields=["feedback"], condition=models.Q(state="open"), name="callback_open"),
        ]

    def __str__(self) -> str:
        return f"{self.feedback}: {self.get_state_display()}"


class CallbackAttempt(models.Model):
    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", _("No answer")
        CALL_LATER = "call_later", _("Call back later")
        REACHED = "reached", _("Reached")

    callback = models.ForeignKey(Callback, on_delete=models.PROTECT, related_name="attempts")
    attempted_at = models.DateTimeField(_("called at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("called by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["attempted_at", "id"]
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")

    def __str__(self) -> str:
        return f"{self.callback.feedback} {self.get_outcome_display()}"


class Pause(models.Model):
    """A waiting period (等待客户回复, 等待备件): the running working-day clocks stand still while it is open."""

    class Reason(models.TextChoices):
        WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
        WAITING_PARTS = "waiting_parts", _("Waiting for spare parts")

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.PROTECT, related_name="pauses")
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("waiting period")
        verbose_name_plural = _("waiting periods")
        constraints = [
            models.UniqueConstraint(
                fields=["feedback"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_pause_per_feedback",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feedback}: {self.get_reason_display()}"
