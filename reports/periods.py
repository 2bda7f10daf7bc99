"""The period a figure is counted over: a range of local dates (Asia/Shanghai), both ends included, and the form /
serializer that turns a request's ``month`` / ``preset`` / ``start``+``end`` / ``product_line`` into one.

The same rules for the page and the API: end before start, a future month or date, a range over 24 months and an
unknown product line are field errors (in Chinese), never a 500."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalog.models import ProductLine

MAX_MONTHS = 24
EARLIEST = dt.date(
    2000, 1, 1
)  # nothing is older; also keeps the previous period and the 12-month trends in range


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class Period:
    """Local dates, both ends included."""

    start: dt.date
    end: dt.date

    # --- constructors ---
    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def last_days(cls, n: int, today: dt.date | None = None) -> Period:
        """The ``n`` days ending with ``today`` (today included)."""
        today = today or timezone.localdate()
        return cls(today - dt.timedelta(days=n - 1), today)

    @classmethod
    def current_month(cls, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls.month(today.year, today.month)

    # --- properties ---
    @property
    def is_month(self) -> bool:
        """True when the period is exactly one calendar month."""
        return (
            self.start.day == 1
            and self.start.year == self.end.year
            and self.start.month == self.end.month
            and self.end.day == calendar.monthrange(self.end.year, self.end.month)[1]
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.is_month:
            return gettext("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        return gettext("%(start)s to %(end)s") % {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }

    @property
    def start_at(self) -> dt.datetime:
        """The first instant (local midnight of ``start``), aware."""
        return _local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """The instant just after the period (local midnight after ``end``), aware; exclusive."""
        return _local_midnight(self.end + dt.timedelta(days=1))

    def previous(self) -> Period:
        """The period just before: the previous calendar month for a month, otherwise the same number of days
        ending the day before ``start``."""
        if self.is_month:
            before = self.start - dt.timedelta(days=1)
            return Period.month(before.year, before.month)
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def months_back(self, n: int = 12) -> Period:
        """The ``n`` calendar months ending with the month of ``end`` (for the 12-month trends)."""
        first = _add_months(self.end.replace(day=1), -(n - 1))
        last = Period.month(self.end.year, self.end.month).end
        return Period(first, last)

    def as_params(self) -> dict[str, str]:
        """The feedback list's query parameters for "feedback time in this period"."""
        return {"received_from": self.start.isoformat(), "received_to": self.end.isoformat()}

    def as_json(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


PRESETS = {"last30": 30, "last90": 90}
PRESET_CHOICES = [("last30", _("Last 30 days")), ("last90", _("Last 90 days"))]


def resolve_period(
    *,
    month: str | None = None,
    preset: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> Period:
    """The period asked for, or ValidationError({field: message}). No input at all: the current month."""
    today = today or timezone.localdate()
    if month:
        try:
            year, mon = (int(part) for part in month.split("-"))
            period = Period.month(year, mon)
        except (ValueError, TypeError):
            raise ValidationError({"month": _("Enter a month as YYYY-MM, e.g. 2026-11.")}) from None
        if period.start < EARLIEST:
            raise ValidationError({"month": _("Pick a month from January 2000 on.")})
        if period.start > today:
            raise ValidationError(
                {"month": _("The month has not begun yet: pick this month or an earlier one.")}
            )
        return period
    if preset:
        if preset not in PRESETS:
            raise ValidationError({"preset": _("Unknown preset: choose the last 30 or 90 days.")})
        return Period.last_days(PRESETS[preset], today)
    if start is None and end is None:
        return Period.current_month(today)
    errors: dict[str, str] = {}
    if start is None:
        errors["start"] = _("Enter the start date of the range.")
    if end is None:
        errors["end"] = _("Enter the end date of the range.")
    if errors:
        raise ValidationError(errors)
    if end < start:
        raise ValidationError({"end": _("The end date is before the start date.")})
    if start < EARLIEST:
        raise ValidationError({"start": _("Pick a date from 2000-01-01 on.")})
    if end > today:
        raise ValidationError({"end": _("The end date is in the future.")})
    if end >= _add_months(start, MAX_MONTHS):
        raise ValidationError({"end": _("The range is longer than 24 months.")})
    return Period(start, end)


class PeriodForm(forms.Form):
    """``month`` (YYYY-MM), or ``preset`` (last30 / last90), or ``start`` + ``end``; plus ``product_line``.
    After ``is_valid()``: ``.period`` (Period) and ``.filters`` (``{"product_line_id": id or None}``)."""

    month = forms.CharField(label=_("Month"), required=False, max_length=7)
    preset = forms.ChoiceField(label=_("Preset"), required=False, choices=[("", "—"), *PRESET_CHOICES])
    start = forms.DateField(
        label=pgettext_lazy("period", "Start date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("period", "End date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    product_line = forms.ModelChoiceField(
        label=_("Product line"),
        required=False,
        queryset=ProductLine.objects.all(),
        error_messages={"invalid_choice": _("Unknown product line.")},
    )

    period: Period
    filters: dict

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["preset"].error_messages["invalid_choice"] = _(
            "Unknown preset: choose the last 30 or 90 days."
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.period = _period_asked(data, self.today)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field, message)
            return data
        line = data.get("product_line")
        self.filters = {"product_line_id": line.pk if line else None}
        return data


def _period_asked(data: dict, today: dt.date | None) -> Period:
    """resolve_period() of the cleaned input of PeriodForm or PeriodSerializer."""
    return resolve_period(
        month=data.get("month"),
        preset=data.get("preset"),
        start=data.get("start"),
        end=data.get("end"),
        today=today,
    )


class PeriodSerializer(serializers.Serializer):
    """The API's query parameters, with PeriodForm's rules (400 with field errors).
    ``validated_data`` holds ``period`` (Period) and ``product_line_id`` (int or None)."""

    month = serializers.RegexField(
        r"^[0-9]{4}-(0[1-9]|1[0-2])$",
        required=False,
        allow_blank=True,
        max_length=7,
        help_text=_("A month, YYYY-MM (e.g. 2026-11)."),
        error_messages={"invalid": _("Enter a month as YYYY-MM, e.g. 2026-11.")},
    )
    preset = serializers.ChoiceField(
        required=False, allow_blank=True, choices=PRESET_CHOICES, help_text=_("last30 or last90.")
    )
    start = serializers.DateField(required=False, help_text=_("First day of a date range (with end)."))
    end = serializers.DateField(required=False, help_text=_("Last day of a date range (with start)."))
    product_line = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=_("Product line id (catalogue).")
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["preset"].error_messages["invalid_choice"] = _(
            "Unknown preset: choose the last 30 or 90 days."
        )

    def validate_product_line(self, value: int | None) -> int | None:
        if value is not None and not ProductLine.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("Unknown product line."))
        return value

    def validate(self, attrs: dict) -> dict:
        try:
            period = _period_asked(attrs, self.today)
        except ValidationError as exc:
            raise serializers.ValidationError(
                {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
            ) from None
        return {"period": period, "product_line_id": attrs.get("product_line")}
