"""The pieces of the list's filters (feedback.filters): the choice sets the drill-downs share with the reports,
and the id fields and filters of the drill-down parameters."""

import datetime as dt
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from .models import Status


class Timeliness:
    ON_TIME = "on_time"
    LATE = "late"
    OPEN = "open"
    OVERDUE = "overdue"
    CHOICES = [
        (ON_TIME, _("Registered on time")),
        (LATE, _("Registered late")),
        (OPEN, _("Draft, not yet due")),
        (OVERDUE, _("Draft, overdue")),
    ]


def local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


NONE = "none"  # "not classified / not graded / none": the drill-down value of 未分类 items
MAX_ID = 2**31 - 1
ID = re.compile(r"[1-9][0-9]{0,8}")  # what the schema publishes (below 10**9, well inside the id range)
OPEN_STATUSES = [
    Status.REGISTERED,
    Status.VERIFIED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.PENDING_CLOSE,
]


class ClockOutcome:
    """How a clock ended, for the drill-down from the deadline figures (reports.selectors)."""

    MET = "met"
    MISSED = "missed"
    OVERDUE = "overdue"  # still running (not paused) past its deadline, now
    COUNTED = "counted"  # met, missed or overdue: the denominator of an on-time rate
    CHOICES = [
        (MET, _("Met")),
        (MISSED, _("Missed")),
        (OVERDUE, _("Overdue now")),
        (COUNTED, _("Met, missed or overdue")),
    ]


class SatisfactionChoice:
    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"
    UNREACHABLE = "unreachable"
    REACHED = "reached"  # the callback reached the customer (any satisfaction)
    RECORDED = "recorded"  # reached or unreachable: a callback recorded
    CHOICES = [
        (SATISFIED, _("Satisfied")),
        (BASIC, _("Basically satisfied")),
        (UNSATISFIED, _("Unsatisfied")),
        (UNREACHABLE, _("Customer unreachable")),
        (REACHED, _("Callback reached the customer")),
        (RECORDED, _("Callback recorded")),
    ]


def with_none(choices, none_label) -> list:
    return [*choices, (NONE, none_label)]


class IdOrNoneField(forms.Field):
    """An id of ``model`` or ``none``; an id that names nothing is an error (an unknown filter value). Not a text
    field: the list API refuses it given empty (feedback.api.StrictFilterForm), as its schema pattern says."""

    def __init__(self, *args, model=None, unknown=None, must_exist=True, **kwargs):
        self.model, self.unknown, self.must_exist = model, unknown, must_exist
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        if value == NONE:
            return NONE
        if not ID.fullmatch(value) or not 0 < int(value) <= MAX_ID:
            raise ValidationError(self.unknown, code="invalid_choice")
        if self.must_exist and not self.model.objects.filter(pk=value).exists():
            raise ValidationError(self.unknown, code="invalid_choice")
        return int(value)


class IdListField(forms.Field):
    """Comma-separated ids (``3,7,12``): the drill-down of 其他 (every value but these)."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        parts = value.split(",")
        if len(parts) > 50 or not all(ID.fullmatch(part) and 0 < int(part) <= MAX_ID for part in parts):
            raise ValidationError(_("Give ids separated by commas, e.g. 3,7,12."), code="invalid")
        return sorted({int(part) for part in parts})


@extend_schema_field({"type": "string", "pattern": "^(none|[1-9][0-9]{0,8})$"})
class IdOrNoneFilter(django_filters.Filter):
    field_class = IdOrNoneField

    def filter(self, qs, value):
        if value is None:
            return qs
        if value == NONE:
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return qs.filter(**{self.field_name: value})


@extend_schema_field({"type": "string", "pattern": "^[1-9][0-9]{0,8}(,[1-9][0-9]{0,8}){0,49}$"})
class ExcludeIdsFilter(django_filters.Filter):
    """Has a value, and not one of these ids."""

    field_class = IdListField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__isnull": False}).exclude(**{f"{self.field_name}__in": value})


class BlankChoiceFilter(django_filters.ChoiceFilter):
    """A choice, or ``none`` for the records where the field is still empty (未分类, 未分级)."""

    def filter(self, qs, value):
        if value == NONE:
            return qs.filter(**{self.field_name: ""})
        return super().filter(qs, value)


def date_widget():
    return forms.DateInput(attrs={"type": "date"})
