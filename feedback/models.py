"""The feedback record (反馈单) and what hangs off it: attachments, verification, assignments, customer contacts,
the satisfaction callback and waiting periods. Status changes go through feedback.workflow only."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REGISTERED = "registered", _("Awaiting verification")
    VERIFIED = "verified", _("Awaiting assignment")
    ASSIGNED = "assigned", _("Awaiting CAPA")
    IN_PROGRESS = "in_progress", _("Measures in progress")
    PENDING_CLOSE = "pending_close", _("Awaiting closing")
    CLOSED = "closed", _("Closed")
    VOIDED = "voided", _("Voided")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Customer service hotline")
    EMAIL = "email", _("Official e-mail")
    ONLINE_CHAT = "online_chat", _("Online chat")
    DEALER = "dealer", _("Dealer or store")
    THIRD_PARTY = "third_party", _("Third-party complaint platform")
    OTHER = "other", _("Other")


class CustomerRequest(models.TextChoices):
    REPAIR = "repair", _("Repair")
    EXCHANGE = "exchange", _("Exchange")
    RETURN = "return", _("Return")
    COMPENSATION = "compensation", _("Compensation")
    SUGGESTION = "suggestion", _("Improvement suggestion")
    ENQUIRY = "enquiry", _("Enquiry")


class Category(models.TextChoices):
    FUNCTIONAL = "functional", _("Functional failure")
    PERFORMANCE = "performance", _("Performance nonconformance")
    APPEARANCE = "appearance", _("Appearance / workmanship")
    SERVICE = "service", _("Service")


class Severity(models.TextChoices):
    GENERAL = "I", _("Ⅰ General")
    SERIOUS = "II", _("Ⅱ Serious")
    URGENT = "III", _("Ⅲ Urgent")


class CloseReason(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    NOT_CONFIRMED = "not_confirmed", _("Not confirmed")
    DUPLICATE = "duplicate", _("Duplicate")


class NumberSequence(models.Model):
    """The last serial handed out per key (``PF202611``): one row per month, incremented in the transaction that
    creates the record, so a rolled-back registration leaves no gap and two at once never share a number."""

    key = models.CharField(max_length=16, primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


class Feedback(models.Model):
    number = models.CharField(_("feedback number"), max_length=16, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # A counter bumped by every change: a form that carries an older value is stale and is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    # --- registration 初步登记 ---
    customer_name = models.CharField(_("customer name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    product_model = models.ForeignKey(
        "catalog.ProductModel",
        verbose_name=_("product model"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedbacks",
    )
    serial_number = models.CharField(_("serial / batch number"), max_length=64, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    feedback_time = models.DateTimeField(_("feedback time"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    channel_detail = models.CharField(
        _("channel detail"),
        max_length=100,
        blank=True,
        help_text=_("Dealer or store name, complaint platform case number, …"),
    )
    description = models.TextField(_("problem description (customer's words)"), blank=True)
    customer_requests = models.JSONField(_("customer request"), default=list, blank=True)

    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="registered_feedbacks",
    )
    cs_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer service owner"),
        on_delete=models.PROTECT,
        related_name="cs_owned_feedbacks",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    registered_at = models.DateTimeField(_("registration completed at"), null=True, blank=True)
    registration_due_at = models.DateTimeField(_("registration due"))

    # --- verification, classification, grading 问题核实 / 分类 / 分级 ---
    quality_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("quality engineer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quality_owned_feedbacks",
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, blank=True)
    fault_phenomenon = models.ForeignKey(
        "catalog.FaultPhenomenon",
        verbose_name=_("fault phenomenon"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedbacks",
    )
    severity = models.CharField(_("severity"), max_length=4, choices=Severity.choices, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    emergency_started_at = models.DateTimeField(_("emergency response started at"), null=True, blank=True)
    emergency_note = models.TextField(_("emergency response"), blank=True)
    emergency_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("emergency response recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # --- corrective action and closing ---
    capa = models.ForeignKey(
        "corrective_actions.Capa",
        verbose_name=_("CAPA"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedbacks",
    )
    handled_at = models.DateTimeField(_("customer's problem handled at"), null=True, blank=True)
    waiting_reason = models.CharField(_("waiting for"), max_length=32, blank=True)
    close_reason = models.CharField(_("close reason"), max_length=16, choices=CloseReason.choices, blank=True)
    close_note = models.TextField(_("closing note"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.TextField(_("void reason"), blank=True)

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        ordering = ["-feedback_time", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedbacks")
        permissions = [
            ("view_all_feedback", _("Can see every feedback")),
            ("view_department_feedback", _("Can see the feedback assigned to one's department")),
            ("edit_any_registration", _("Can edit the registration of any feedback")),
            ("contact_customer", _("Can log customer contacts and satisfaction callbacks")),
            ("verify_feedback", _("Can verify, classify, grade and assign feedback")),
            ("close_feedback", _("Can close feedback")),
            ("void_feedback", _("Can void feedback")),
        ]
        indexes = [
            models.Index(fields=["status", "-feedback_time"], name="feedback_status_time"),
            models.Index(fields=["-feedback_time", "-id"], name="feedback_time_id"),
            models.Index(fields=["contact_phone"], name="feedback_phone"),
            models.Index(fields=["customer_name"], name="feedback_customer"),
            models.Index(fields=["registration_due_at"], name="feedback_reg_due"),
            # similar earlier feedback (feedback.selectors_similar): same phone, same model and fault, 90 days
            models.Index(fields=["contact_phone", "feedback_time"], name="feedback_phone_time"),
            models.Index(
                fields=["product_model", "fault_phenomenon", "feedback_time"],
                name="feedback_model_fault_time",
            ),
            # the management figures (reports.selectors): registrations completed in a period
            models.Index(fields=["registered_at"], name="feedback_registered_at"),
            # ... and the 12-month trend: feedback time and status only, read from the index alone
            models.Index(fields=["feedback_time", "status"], name="feedback_time_status"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("feedback:detail", kwargs={"number": self.number})

    @property
    def registration_late(self) -> bool | None:
        """True when registration was completed after its due time, or is still open past it."""
        if self.registered_at is not None:
            return self.registered_at > self.registration_due_at
        if self.status == Status.VOIDED:
            return None
        return timezone.now() > self.registration_due_at


def attachment_path(instance: "StoredFile", filename: str) -> str:
    """An unguessable storage path: the original name is kept in the database, never in the path."""
    now = timezone.localtime()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}"


class StoredFile(models.Model):
    """Common fields of every uploaded file; the content type is detected from the bytes (feedback.attachments)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Attachment(StoredFile):
    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        VERIFICATION = "verification", _("Verification evidence")
        COMMUNICATION = "communication", _("Customer contact")

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="attachments")
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.REGISTRATION
    )

    class Meta(StoredFile.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


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

    feedback = models.OneToOneField(Feedback, on_delete=models.PROTECT, related_name="verification")
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

    def __str__(self) -> str:
        return f"{self.feedback}: {self.get_verdict_display()}"


class Assignment(models.Model):
    """部门对接: a responsible department with a named owner. One assignment per feedback is the lead."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="assignments")
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
        indexes = [models.Index(fields=["department", "feedback"], name="assignment_dept_feedback")]

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

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="communications")
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


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Callback(models.Model):
    """满意度回访: opened when the customer's problem is handled; done on the attempt that reaches the customer,
    or closed as unreachable after three failed attempts over three working days."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        UNREACHABLE = "unreachable", _("Customer unreachable")

    feedback = models.OneToOneField(Feedback, on_delete=models.PROTECT, related_name="callback")
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

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="pauses")
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
