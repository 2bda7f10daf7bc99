"""Administrator entries in the working-day calendar. The official schedule itself is package data
(workcalendar.calendar); only what an administrator adds or changes is stored here."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarDay(models.Model):
    """One day whose status an administrator set: an override of the official calendar, or a holiday / make-up
    working day of a year entered by hand. Wins over every other source."""

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("worked"))
    name = models.CharField(_("name"), max_length=64, blank=True, help_text=_("e.g. 春节, 国庆节调休"))
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        state = _("worked") if self.is_working else _("not worked")
        return f"{self.date:%Y-%m-%d} {state}{f' ({self.name})' if self.name else ''}"


class CalendarYear(models.Model):
    """A year whose schedule an administrator entered by hand (the State Council publishes it each November):
    from then on its days count as entered, not estimated, and deadlines in it are no longer provisional."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["year"]
        verbose_name = _("entered year")
        verbose_name_plural = _("entered years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarRevision(models.Model):
    """A single row whose token changes with every change to the calendar: each process compares it with the
    token of its cached calendar (one primary-key read) and reloads the calendar when they differ."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    token = models.CharField(max_length=32)
    # The token the running deadlines were last recomputed for (sla.services.clocks_recompute).
    recomputed_token = models.CharField(max_length=32, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar revision")

    def __str__(self) -> str:
        return self.token

    @classmethod
    def current(cls) -> str:
        token = cls.objects.filter(pk=cls.SINGLETON).values_list("token", flat=True).first()
        return token or ""

    @classmethod
    def bump(cls) -> str:
        token = uuid.uuid4().hex
        updated = cls.objects.filter(pk=cls.SINGLETON).update(token=token, changed_at=timezone.now())
        if not updated:
            cls.objects.bulk_create(
                [cls(pk=cls.SINGLETON, token=token)],
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=["token", "changed_at"],
            )
        return token
