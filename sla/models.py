"""Deadlines (SLA 时限) as data: one row per clock per feedback (and per measure for measure clocks), and the
lengths an administrator may change."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# A clock stopped within its due second (the due time is 23:59:59) is on time: late means after the due second.
GRACE = dt.timedelta(seconds=1)


class ClockKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    VERIFICATION = "verification", _("Verification")
    EMERGENCY = "emergency", _("Emergency response")
    CAPA_FORM = "capa_form", _("CAPA form")
    MEASURE = "measure", _("Measure")
    EFFECT_VERIFICATION = "effect_verification", _("Effect verification")
    CALLBACK = "callback", _("Satisfaction callback")


# Clocks that count working days (a waiting period stops them; a calendar change recomputes them).
WORKING_DAY_KINDS = frozenset(
    {
        ClockKind.REGISTRATION,
        ClockKind.VERIFICATION,
        ClockKind.CAPA_FORM,
        ClockKind.EFFECT_VERIFICATION,
        ClockKind.CALLBACK,
    }
)

# DOMAIN.md's table: the defaults, seeded by a data migration and used when a row is missing.
DEFAULT_LENGTHS: dict[str, dict] = {
    ClockKind.REGISTRATION: {"length_working_days": 1},
    ClockKind.VERIFICATION: {"length_working_days": 2},
    ClockKind.EMERGENCY: {"length_hours": 24, "warn_hours_before": 4},
    ClockKind.CAPA_FORM: {"length_working_days": 3},
    ClockKind.MEASURE: {},
    ClockKind.EFFECT_VERIFICATION: {"length_working_days": 5},
    ClockKind.CALLBACK: {"length_working_days": 3},
}


class Outcome(models.TextChoices):
    RUNNING = "running", _("Running")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


class ClockState(models.TextChoices):
    """What a person sees on a badge."""

    ON_TIME = "on_time", _("On time")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


class SlaSetting(models.Model):
    """The length of one kind of clock. Working days for most; hours of calendar time for the Ⅲ emergency clock;
    the measure clock has no length (it is due at the end of the measure's planned date)."""

    kind = models.CharField(_("clock"), max_length=24, choices=ClockKind.choices, unique=True)
    length_working_days = models.PositiveSmallIntegerField(
        _("length (working days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    length_hours = models.PositiveSmallIntegerField(
        _("length (hours, calendar time)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("warning point (percent of the length elapsed)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("The clock turns “due soon” when this share of its length has elapsed."),
    )
    warn_hours_before = models.PositiveSmallIntegerField(
        _("warning (hours before the deadline)"),
        null=True,
        blank=True,
        help_text=_("For a clock counted in hours: it turns “due soon” this many hours before its deadline."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("deadline setting")
        verbose_name_plural = _("deadline settings")

    def __str__(self) -> str:
        return str(ClockKind(self.kind).label)

    def clean(self) -> None:
        if self.kind == ClockKind.MEASURE:
            if self.length_working_days or self.length_hours:
                raise ValidationError(_("A measure is due on its own planned date: it has no length."))
            return
        if bool(self.length_working_days) == bool(self.length_hours):
            raise ValidationError(_("Give the length either in working days or in hours, not both."))
        if (
            self.length_hours
            and self.warn_hours_before is not None
            and self.warn_hours_before >= self.length_hours
        ):
            raise ValidationError(
                {
                    "warn_hours_before": _(
                        "The warning must come before the deadline, within the clock's length."
                    )
                }
            )

    @classmethod
    def for_kind(cls, kind: str) -> "SlaSetting":
        found = cls.objects.filter(kind=kind).first()
        return found if found is not None else cls(kind=kind, **DEFAULT_LENGTHS[kind])


class SlaClock(models.Model):
    feedback = models.ForeignKey(
        "feedback.Feedback",
        verbose_name=_("feedback"),
        on_delete=models.PROTECT,
        related_name="sla_clocks",
        db_index=False,  # sla_one_running_clock (feedback, kind, …) serves lookups by feedback
    )
    kind = models.CharField(_("clock"), max_length=24, choices=ClockKind.choices)
    measure = models.ForeignKey(
        "corrective_actions.Measure",
        verbose_name=_("measure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sla_clocks",
        db_index=False,  # sla_clock_measure: most clocks have no measure, they need no entry
    )
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due"))
    warn_at = models.DateTimeField(_("due soon from"))
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)

    # How the deadline is computed, so that it can be recomputed when the calendar changes:
    # due = end of the ``anchor_days``-th working day after ``anchor_date``; the warning point is
    # ``length_days`` × (1 − warn_percent) working days before it.
    length_days = models.PositiveSmallIntegerField(_("length (working days)"), null=True, blank=True)
    length_hours = models.PositiveSmallIntegerField(_("length (hours)"), null=True, blank=True)
    warn_percent = models.PositiveSmallIntegerField(default=50)
    anchor_date = models.DateField(null=True, blank=True)
    anchor_days = models.PositiveSmallIntegerField(null=True, blank=True)

    # A waiting period: the clock stands still with ``remaining_days`` working days left.
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    remaining_days = models.PositiveSmallIntegerField(_("working days left"), null=True, blank=True)

    provisional = models.BooleanField(_("provisional"), default=False)
    basis = models.JSONField(_("calendar days used"), default=dict, blank=True)

    # Each notice once: set in the transaction that creates the notice (sla.services.clocks_sweep).
    warn_notified_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            # One running clock per feedback and kind (per measure for measure clocks); finished clocks are told
            # apart by their id. The same index serves the lookups by feedback (and kind): one index entry per
            # clock where there were three indexes (sla 0007), which a moved deadline rewrites.
            models.UniqueConstraint(
                F("feedback"),
                F("kind"),
                Coalesce(F("measure"), Value(0), output_field=models.BigIntegerField()),
                Case(
                    When(outcome="running", then=Value(0)),
                    default=F("id"),
                    output_field=models.BigIntegerField(),
                ),
                name="sla_one_running_clock",
            ),
        ]
        indexes = [
            # The sweep: clocks crossing their warning point / deadline, not yet notified. Partial indexes hold
            # only running, unpaused, unnotified clocks, so the sweep reads as many rows as are due.
            models.Index(
                fields=["warn_at"],
                condition=Q(outcome="running", paused_at__isnull=True, warn_notified_at__isnull=True),
                name="sla_clock_warn_pending",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(outcome="running", paused_at__isnull=True, overdue_notified_at__isnull=True),
                name="sla_clock_due_pending",
            ),
            # Every index is rewritten when a deadline moves (a recomputation after a calendar change rewrites
            # every running clock): no index for the recomputation itself (it reads the running clocks once, by
            # sla_clock_running_due), and the measure's index holds only the clocks that have a measure.
            models.Index(fields=["measure"], condition=Q(measure__isnull=False), name="sla_clock_measure"),
            # The management figures (reports.selectors): clocks whose deadline falls in a period, by kind and
            # outcome (an index-only scan); and the running clocks past their deadline now. The first holds only
            # finished clocks (met / missed / cancelled: the running ones are in the second), so that a moved
            # running deadline rewrites one due-time index for the reports, not two (sla 0006).
            models.Index(
                fields=["due_at", "kind", "outcome", "paused_at", "feedback"],
                condition=~Q(outcome="running"),
                name="sla_clock_due_report",
            ),
            models.Index(
                fields=["due_at", "kind"],
                include=["paused_at", "feedback", "measure"],  # overdue now, from the index alone
                condition=Q(outcome="running"),
                name="sla_clock_running_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feedback_id} {self.get_kind_display()}"

    @property
    def is_running(self) -> bool:
        return self.outcome == Outcome.RUNNING

    def state_at(self, now: dt.datetime) -> str:
        if self.outcome != Outcome.RUNNING:
            return self.outcome
        if self.paused_at is not None:
            return ClockState.PAUSED
        if now >= self.due_at + GRACE:
            return ClockState.OVERDUE
        if now >= self.warn_at:
            return ClockState.DUE_SOON
        return ClockState.ON_TIME

    @property
    def state(self) -> str:
        return self.state_at(timezone.now())

    @property
    def state_label(self) -> str:
        return str(ClockState(self.state).label)

    @property
    def basis_days(self) -> list[dict]:
        return list((self.basis or {}).get("days", []))

    @property
    def estimated_years(self) -> list[int]:
        return list((self.basis or {}).get("estimated_years", []))
