"""纠正与预防措施: the CAPA form, its measures, the quality engineer's reviews and the effect verifications.
Every round (submit → review → execute → verify) is kept: reviews and verifications carry their round number."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from feedback.models import StoredFile


class CapaStatus(models.TextChoices):
    DRAFT = "draft", _("Being written")
    SUBMITTED = "submitted", _("Awaiting quality review")
    RETURNED = "returned", _("Returned for rework")
    IN_PROGRESS = "in_progress", _("Measures in progress")
    PENDING_VERIFICATION = "pending_verification", _("Awaiting effect verification")
    EFFECTIVE = "effective", _("Verified effective")


class RootCauseCategory(models.TextChoices):
    DESIGN = "design", _("Design")
    MATERIAL = "material", _("Material / supplier")
    PROCESS = "process", _("Manufacturing process")
    INSPECTION = "inspection", _("Inspection")
    TRANSPORT = "transport", _("Transport / installation")
    USE = "use", _("Use / customer")
    SERVICE = "service", _("Service process")
    OTHER = "other", _("Other")


class Capa(models.Model):
    number = models.CharField(_("CAPA number"), max_length=16, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    lead_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("lead department"),
        on_delete=models.PROTECT,
        related_name="capas",
    )
    status = models.CharField(
        _("status"), max_length=24, choices=CapaStatus.choices, default=CapaStatus.DRAFT
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    version = models.PositiveIntegerField(default=1, editable=False)
    root_cause_category = models.CharField(
        _("root-cause category"), max_length=16, choices=RootCauseCategory.choices, blank=True
    )
    root_cause_analysis = models.TextField(_("root-cause analysis"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    implemented_at = models.DateTimeField(_("all measures implemented at"), null=True, blank=True)
    verified_effective_at = models.DateTimeField(_("verified effective at"), null=True, blank=True)
    # The feedback the form was opened for: clocks that belong to the CAPA rather than to each feedback it
    # resolves (one per measure) hang on this record.
    opened_for = models.ForeignKey(
        "feedback.Feedback",
        verbose_name=_("opened for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("CAPA form")
        verbose_name_plural = _("CAPA forms")
        permissions = [
            ("write_capa", _("Can write the CAPA form of one's department")),
            ("approve_capa", _("Can approve and submit the CAPA form of one's department")),
            ("update_measure", _("Can update measures")),
            ("review_capa", _("Can accept or return a CAPA form")),
            ("verify_effect", _("Can record effect verification")),
        ]
        indexes = [
            models.Index(fields=["lead_department", "status"], name="capa_dept_status"),
            # the management figures (reports.selectors): forms submitted / verified effective in a period
            models.Index(
                fields=["submitted_at"],
                include=["lead_department", "opened_for"],
                condition=models.Q(submitted_at__isnull=False),
                name="capa_submitted_report",
            ),
            models.Index(
                fields=["verified_effective_at"],
                include=["status", "lead_department", "opened_for"],
                condition=models.Q(verified_effective_at__isnull=False),
                name="capa_effective_report",
            ),
            # the list's newest forms first (Meta.ordering), read backwards: no scan of every form (issue 10)
            models.Index(fields=["created_at", "id"], name="capa_created"),
            # the management home's forms per status, counted from the index alone
            models.Index(fields=["status", "id"], name="capa_status"),
        ]

    def __str__(self) -> str:
        return self.number


class Measure(models.Model):
    class Kind(models.TextChoices):
        SHORT_TERM = "short_term", _("Short-term measure")
        LONG_TERM = "long_term", _("Long-term measure")

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="measures"
    )
    # The owner's department when the measure was planned: the department the rates are counted for, stable
    # when the person later moves.
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    planned_date = models.DateField(_("planned date"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PLANNED)
    completed_date = models.DateField(_("actual completion date"), null=True, blank=True)
    progress_note = models.TextField(_("progress note"), blank=True)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    withdrawn_reason = models.TextField(_("withdrawal reason"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["capa_id", "kind", "planned_date", "id"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        indexes = [
            models.Index(fields=["capa", "state"], name="measure_capa_state"),
            models.Index(fields=["owner", "state"], name="measure_owner_state"),
            models.Index(fields=["department", "planned_date"], name="measure_dept_planned"),
        ]

    def __str__(self) -> str:
        return self.description[:40]


class CapaReview(models.Model):
    """The quality engineer's decision on a submitted CAPA form, per round."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="reviews")
    round = models.PositiveSmallIntegerField(_("round"))
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now)

    class Meta:
        ordering = ["reviewed_at", "id"]
        verbose_name = _("CAPA review")
        verbose_name_plural = _("CAPA reviews")

    def __str__(self) -> str:
        return f"{self.capa} #{self.round}: {self.get_decision_display()}"


class EffectVerification(models.Model):
    class Method(models.TextChoices):
        CUSTOMER_FOLLOWUP = "customer_followup", _("Customer follow-up")
        INTERNAL_TEST = "internal_test", _("Internal test")
        BOTH = "both", _("Follow-up and internal test")

    class Result(models.TextChoices):
        EFFECTIVE = "effective", _("Effective")
        INEFFECTIVE = "ineffective", _("Ineffective")
        NEEDS_WORK = "needs_work", _("Needs further work")

    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="effect_verifications")
    round = models.PositiveSmallIntegerField(_("round"))
    method = models.CharField(_("method"), max_length=24, choices=Method.choices)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    note = models.TextField(_("note"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), default=timezone.now)

    class Meta:
        ordering = ["verified_at", "id"]
        verbose_name = _("effect verification")
        verbose_name_plural = _("effect verifications")

    def __str__(self) -> str:
        return f"{self.capa} #{self.round}: {self.get_result_display()}"


class CapaAttachment(StoredFile):
    """Evidence on a CAPA form, a measure, or an effect verification."""

    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="attachments")
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    effect_verification = models.ForeignKey(
        EffectVerification, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )

    class Meta(StoredFile.Meta):
        verbose_name = _("CAPA attachment")
        verbose_name_plural = _("CAPA attachments")


class MeasureDay(models.Model):
    """How many measures each department has planned for each day, kept by database triggers on PostgreSQL
    (corrective_actions/kept_counts.py), so that the per-department rates on the CAPA list and the quality
    home read a few thousand rows instead of every measure (issue 10). ``measures`` counts all of them, withdrawn
    included (a department whose measures were all withdrawn still has its row); ``live`` those not withdrawn;
    ``completed`` and ``completed_late`` (after the planned date) the completed ones."""

    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")
    planned_date = models.DateField()
    measures = models.IntegerField(default=0)
    live = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    completed_late = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "planned_date"], name="measure_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.planned_date}: {self.live}"


class CapaStatusCount(models.Model):
    """How many CAPA forms are in each status, kept by database triggers on PostgreSQL
    (corrective_actions/kept_counts.py): the management home reads six rows instead of counting every form."""

    status = models.CharField(max_length=24, unique=True)
    forms = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.status}: {self.forms}"
