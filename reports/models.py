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
