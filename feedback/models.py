"""The feedback record (反馈单) and what hangs off it: attachments, verification, assignments, customer contacts,
the satisfaction callback and waiting periods. Status changes go through feedback.workflow only. The choices
(status, channel, severity, …) are in feedback/choices.py, the records of the quality loop's steps on a feedback
(verification, assignments, contacts, callback, waiting periods) in feedback/models_loop.py; both are imported
here, so ``feedback.models.X`` names each of them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Category, Channel, CloseReason, Severity, Status
from .choices import CustomerRequest as CustomerRequest  # the choices are read as feedback.models.X too
from .choices import Satisfaction as Satisfaction
from .models_loop import Assignment as Assignment
from .models_loop import Callback as Callback
from .models_loop import CallbackAttempt as CallbackAttempt
from .models_loop import CommunicationLog as CommunicationLog
from .models_loop import Pause as Pause
from .models_loop import Verification as Verification


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
            # the management figures (reports.selectors): the few records counted nowhere (drafts, voided), read
            # from the index alone; the backlog, open records by stage and severity
            models.Index(
                fields=["id"], condition=models.Q(status__in=["draft", "voided"]), name="feedback_not_counted"
            ),
            models.Index(
                fields=["status", "severity"],
                include=["id"],
                condition=models.Q(
                    status__in=["registered", "verified", "assigned", "in_progress", "pending_close"]
                ),
                name="feedback_open_backlog",
            ),
            # a department's CAPA forms (corrective_actions.selectors.capa_visible_to): the forms of the feedbacks
            # assigned to it, read from the index alone (head's CAPA list 33 → 18 ms of query at 32,000 forms)
            models.Index(
                fields=["capa", "id"], condition=models.Q(capa__isnull=False), name="feedback_capa_ids"
            ),
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
            # the homes (issue 10): "level Ⅲ open" per status, oldest first, without reading every open feedback
            models.Index(fields=["severity", "status", "feedback_time"], name="feedback_severity_status"),
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
