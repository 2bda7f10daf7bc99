"""The monthly analysis report (月度分析报告) and the reports built on demand: one ``ReportRun`` per workbook.

A run is requested (by beat on the 1st, or by quality / management), built by a Celery worker
(``reports.services.report_build``), and its file kept through Django's storage API for as long as the record is
kept. The monthly report of a month exists once (``report_monthly_once``): a second beat run, a duplicated message
or a retry reuses the same record."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def report_path(instance: ReportRun, filename: str) -> str:
    return f"reports/{instance.period_start:%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ReportRun(models.Model):
    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly report")
        RANGE = "range", _("Date range report")

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("report status", "Queued")
        RUNNING = "running", pgettext_lazy("report status", "Running")
        DONE = "done", pgettext_lazy("report status", "Done")
        FAILED = "failed", pgettext_lazy("report status", "Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    product_line = models.ForeignKey(
        "catalog.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(_("file"), upload_to=report_path, max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # None: beat (the monthly report of the 1st)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("reason of the failure"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The worker building the run holds it until then (renewed with the progress): a duplicated message or a
    # second task for the same run leaves it alone; a worker that died lets it go when the lease runs out.
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            # The monthly report of a month exists once, whoever asks and however often.
            models.UniqueConstraint(
                fields=["period_start"], condition=Q(kind="monthly"), name="report_monthly_once"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="report_period"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_percent"),
        ]
        indexes = [models.Index(fields=["status", "claimed_until"], name="report_status_claim")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.period_label}"

    @property
    def period_label(self) -> str:
        from .periods import Period

        return Period(self.period_start, self.period_end).label

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def downloadable(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def failed(self) -> bool:
        return self.status == self.Status.FAILED

    def download_name(self) -> str:
        if self.kind == self.Kind.MONTHLY:
            stem = f"售后反馈分析报告_{self.period_start:%Y-%m}"
        else:
            stem = f"售后反馈分析报告_{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}"
        return f"{stem}.xlsx"

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class _Facts(models.Model):
    """What one record counts for in the management figures (reports/tallies.py), kept beside the tallies so that
    it can be taken back exactly when the record changes. ``bucket`` says what is counted (``tallies.Bucket``);
    ``department_id`` the scope (0: everyone's figures, else a department's); ``day`` the local day that places it
    in a period; ``model_id`` the product model (0: none); ``key`` / ``key2`` the value counted (a category,
    "kind:outcome" with the clock's department, an agent …)."""

    bucket = models.CharField(max_length=16)
    department_id = models.BigIntegerField()
    day = models.DateField()
    model_id = models.BigIntegerField()
    key = models.CharField(max_length=48)
    key2 = models.BigIntegerField()

    class Meta:
        abstract = True
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.bucket} {self.day} {self.key}"


class Fact(_Facts):
    """What a feedback counts for (a feedback counts for everyone's figures and each department it is assigned
    to)."""

    feedback_id = models.BigIntegerField(db_index=True)


class CapaFact(_Facts):
    """What a CAPA form and its measures count for (their lead / own department, by the day they were submitted,
    verified effective or planned)."""

    capa_id = models.BigIntegerField(db_index=True)


class Tally(_Facts):
    """Counts of facts by (bucket, scope, day, model, key, key2), append-only: a change adds rows of +n / −n
    (writers never wait on each other), and ``tallies.compact`` merges them. A figure is the SUM over a range of
    days, read from one covering index."""

    n = models.IntegerField()

    class Meta(_Facts.Meta):
        abstract = False
        indexes = [
            models.Index(
                fields=["bucket", "department_id", "day", "model_id", "key", "key2"],
                include=["n"],
                name="reports_tally_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bucket} {self.day} {self.key}: {self.n}"


class PendingRefresh(models.Model):
    """A record whose facts may have changed (queued by the triggers in the writing transaction; taken by
    ``reports_flush``): kind ``f`` a feedback, ``c`` a CAPA form."""

    kind = models.CharField(max_length=1)
    ref_id = models.BigIntegerField()

    class Meta:
        db_table = "reports_pending"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.kind}{self.ref_id}"


class TallyMark(models.Model):
    """One row: the highest tally id already compacted (tallies.compact merges only the keys written since)."""

    compacted_through = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.compacted_through)
