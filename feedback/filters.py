"""The list's filters, shared by the page and the API (their pieces: feedback.filters_fields)."""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from catalog.models import FaultPhenomenon, ProductLine, ProductModel
from sla.models import GRACE, ClockKind, Outcome, SlaClock

from .filters_fields import (
    MAX_ID,
    NONE,
    OPEN_STATUSES,
    BlankChoiceFilter,
    ClockOutcome,
    ExcludeIdsFilter,
    IdOrNoneField,
    IdOrNoneFilter,
    SatisfactionChoice,
    Timeliness,
    date_widget,
    local_day_start,
    with_none,
)
from .models import Assignment, Callback, Category, Channel, Feedback, Severity, Status

__all__ = [  # read from here by the API and the reports
    "NONE",
    "OPEN_STATUSES",
    "ClockOutcome",
    "FeedbackFilter",
    "IdOrNoneFilter",
    "SatisfactionChoice",
    "Timeliness",
]


class FeedbackFilter(django_filters.FilterSet):
    """The list's filters, shared by the page and the API."""

    number = django_filters.CharFilter(label=_("Feedback number"), method="filter_number")
    customer = django_filters.CharFilter(
        label=_("Customer name"), field_name="customer_name", lookup_expr="icontains"
    )
    phone = django_filters.CharFilter(label=_("Phone"), method="filter_phone")
    product_model = django_filters.ModelChoiceFilter(
        label=_("Product model"), queryset=ProductModel.objects.select_related("line")
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Status.choices)
    received_from = django_filters.DateFilter(
        label=_("Feedback time from"), method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = django_filters.DateFilter(
        label=_("Feedback time to"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    timeliness = django_filters.ChoiceFilter(
        label=_("Registration timeliness"), choices=Timeliness.CHOICES, method="filter_timeliness"
    )
    # --- the management figures' drill-down (reports.selectors builds these parameters) ---
    product_line = django_filters.ModelChoiceFilter(
        label=_("Product line"), field_name="product_model__line", queryset=ProductLine.objects.all()
    )
    category = BlankChoiceFilter(label=_("Category"), choices=with_none(Category.choices, _("Unclassified")))
    severity = BlankChoiceFilter(label=_("Severity"), choices=with_none(Severity.choices, _("Not graded")))
    department = django_filters.ModelChoiceFilter(
        label=_("Responsible department"), queryset=Department.objects.all(), method="filter_department"
    )
    fault = IdOrNoneFilter(
        label=_("Fault phenomenon"),
        field_name="fault_phenomenon_id",
        model=FaultPhenomenon,
        unknown=_("Unknown fault phenomenon."),
    )
    fault_exclude = ExcludeIdsFilter(label=_("Fault phenomenon other than"), field_name="fault_phenomenon_id")
    model_exclude = ExcludeIdsFilter(label=_("Product model other than"), field_name="product_model_id")
    agent = django_filters.NumberFilter(
        label=_("Registered by (user id)"), field_name="registered_by_id", min_value=1, max_value=MAX_ID
    )
    registered_from = django_filters.DateFilter(
        label=_("Registration completed from"), method="filter_registered_from", widget=date_widget()
    )
    registered_to = django_filters.DateFilter(
        label=_("Registration completed to"), method="filter_registered_to", widget=date_widget()
    )
    # A deadline: these parameters describe one clock together (same kind, outcome, due date, department).
    clock_kind = django_filters.ChoiceFilter(label=_("Deadline"), choices=ClockKind.choices, method="_later")
    clock_outcome = django_filters.ChoiceFilter(
        label=_("Deadline outcome"), choices=ClockOutcome.CHOICES, method="_later"
    )
    clock_due_from = django_filters.DateFilter(
        label=_("Deadline from"), method="_later", widget=date_widget()
    )
    clock_due_to = django_filters.DateFilter(label=_("Deadline to"), method="_later", widget=date_widget())
    clock_department = django_filters.ModelChoiceFilter(
        label=_("Deadline of department"), queryset=Department.objects.all(), method="_later"
    )
    # The satisfaction callback: its result and when it was recorded.
    satisfaction = django_filters.ChoiceFilter(
        label=_("Satisfaction"), choices=SatisfactionChoice.CHOICES, method="_later"
    )
    callback_from = django_filters.DateFilter(
        label=_("Callback recorded from"), method="_later", widget=date_widget()
    )
    callback_to = django_filters.DateFilter(
        label=_("Callback recorded to"), method="_later", widget=date_widget()
    )

    # Shown as removable chips above the list, not as inputs in the filter form (they come from the dashboard; a
    # department or product line select would cost the page a query each).
    DRILL_ONLY = frozenset(
        {
            "fault_exclude",
            "model_exclude",
            "agent",
            "registered_from",
            "registered_to",
            "clock_kind",
            "clock_outcome",
            "clock_due_from",
            "clock_due_to",
            "clock_department",
            "satisfaction",
            "callback_from",
            "callback_to",
            "fault",
            "department",
            "product_line",
        }
    )
    CLOCK_PARAMS = ("clock_kind", "clock_outcome", "clock_due_from", "clock_due_to", "clock_department")
    CALLBACK_PARAMS = ("satisfaction", "callback_from", "callback_to")

    class Meta:
        model = Feedback
        fields: list[str] = []

    def _later(self, qs: QuerySet, name: str, value) -> QuerySet:
        """Clock and callback parameters are applied together in ``filter_queryset``."""
        return qs

    @classmethod
    def _cached_form_class(cls, build):
        """The form class, built once per filter set class: django-filter builds a new class from the filters on
        every request (a third of the list's Python time). Each form still deep-copies its fields (their querysets
        included); the labels are lazy, translated when shown."""
        if "_form_class" not in cls.__dict__:
            cls._form_class = build()
        return cls._form_class

    def get_form_class(self):
        return self._cached_form_class(super().get_form_class)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if any(data.get(name) not in (None, "") for name in self.CLOCK_PARAMS):
            queryset = queryset.filter(Exists(clocks_matching(**{n: data.get(n) for n in self.CLOCK_PARAMS})))
        if any(data.get(name) not in (None, "") for name in self.CALLBACK_PARAMS):
            queryset = queryset.filter(
                Exists(callbacks_matching(**{n: data.get(n) for n in self.CALLBACK_PARAMS}))
            )
        return queryset

    def filter_department(self, qs: QuerySet, name: str, value: Department) -> QuerySet:
        return qs.filter(Exists(Assignment.objects.filter(feedback=OuterRef("pk"), department=value)))

    def filter_registered_from(self, qs: QuerySet, name: str, value: dt.date) -> QuerySet:
        return qs.filter(registered_at__gte=local_day_start(value))

    def filter_registered_to(self, qs: QuerySet, name: str, value: dt.date) -> QuerySet:
        return qs.filter(registered_at__lt=local_day_start(value + dt.timedelta(days=1)))

    def filter_number(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip().upper()
        return qs.filter(number=value) if len(value) >= 11 else qs.filter(number__contains=value)

    def filter_phone(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        digits = "".join(ch for ch in value if ch.isdigit())
        return qs.filter(contact_phone__contains=digits) if digits else qs

    def filter_from(self, qs: QuerySet, name: str, value: dt.date) -> QuerySet:
        return qs.filter(feedback_time__gte=local_day_start(value))

    def filter_to(self, qs: QuerySet, name: str, value: dt.date) -> QuerySet:
        return qs.filter(feedback_time__lt=local_day_start(value + dt.timedelta(days=1)))

    def filter_timeliness(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        registered = Q(registered_at__isnull=False)
        return {
            Timeliness.ON_TIME: qs.filter(registered, registered_at__lte=F("registration_due_at")),
            Timeliness.LATE: qs.filter(registered, registered_at__gt=F("registration_due_at")),
            Timeliness.OPEN: qs.filter(status=Status.DRAFT, registration_due_at__gte=now),
            Timeliness.OVERDUE: qs.filter(status=Status.DRAFT, registration_due_at__lt=now),
        }.get(value, qs)


def clock_outcome_q(outcome: str | None, now: dt.datetime) -> Q:
    """The clocks with this outcome (ClockOutcome); cancelled clocks never match."""
    overdue = Q(outcome=Outcome.RUNNING, paused_at__isnull=True, due_at__lte=now - GRACE)
    return {
        ClockOutcome.MET: Q(outcome=Outcome.MET),
        ClockOutcome.MISSED: Q(outcome=Outcome.MISSED),
        ClockOutcome.OVERDUE: overdue,
        ClockOutcome.COUNTED: Q(outcome__in=[Outcome.MET, Outcome.MISSED]) | overdue,
    }.get(outcome, ~Q(outcome=Outcome.CANCELLED))


def clock_department_q(department_id) -> Q:
    """The department a clock belongs to: a measure's department for a measure clock, otherwise the feedback's
    lead department."""
    lead = Assignment.objects.filter(
        feedback=OuterRef("feedback_id"), department_id=department_id, is_lead=True
    )
    return Q(measure__isnull=False, measure__department_id=department_id) | Q(measure__isnull=True) & Q(
        Exists(lead)
    )


def clocks_matching(
    *, clock_kind=None, clock_outcome=None, clock_due_from=None, clock_due_to=None, clock_department=None
) -> QuerySet:
    """The clocks of the outer feedback (``OuterRef("pk")``) matching the drill-down's clock parameters."""
    clocks = SlaClock.objects.filter(feedback=OuterRef("pk")).filter(
        clock_outcome_q(clock_outcome, timezone.now())
    )
    if clock_kind:
        clocks = clocks.filter(kind=clock_kind)
    if clock_due_from:
        clocks = clocks.filter(due_at__gte=local_day_start(clock_due_from))
    if clock_due_to:
        clocks = clocks.filter(due_at__lt=local_day_start(clock_due_to + dt.timedelta(days=1)))
    if clock_department:
        department_id = getattr(clock_department, "pk", clock_department)
        clocks = clocks.filter(clock_department_q(department_id))
    return clocks


def satisfaction_q(value: str | None) -> Q:
    """Callbacks with this result (SatisfactionChoice); no value: any recorded callback."""
    done = Q(state=Callback.State.DONE)
    return {
        SatisfactionChoice.SATISFIED: done & Q(satisfaction=SatisfactionChoice.SATISFIED),
        SatisfactionChoice.BASIC: done & Q(satisfaction=SatisfactionChoice.BASIC),
        SatisfactionChoice.UNSATISFIED: done & Q(satisfaction=SatisfactionChoice.UNSATISFIED),
        SatisfactionChoice.UNREACHABLE: Q(state=Callback.State.UNREACHABLE),
        SatisfactionChoice.REACHED: done,
    }.get(value, Q(state__in=[Callback.State.DONE, Callback.State.UNREACHABLE]))


def callbacks_matching(*, satisfaction=None, callback_from=None, callback_to=None) -> QuerySet:
    callbacks = Callback.objects.filter(feedback=OuterRef("pk")).filter(satisfaction_q(satisfaction))
    if callback_from:
        callbacks = callbacks.filter(closed_at__gte=local_day_start(callback_from))
    if callback_to:
        callbacks = callbacks.filter(closed_at__lt=local_day_start(callback_to + dt.timedelta(days=1)))
    return callbacks


def filter_error_list(filterset: FeedbackFilter) -> list[str]:
    """“<filter>: <message>” for each refused filter value, for the list page."""
    form = filterset.form
    messages = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        messages.extend(f"{label}：{error}" if label else str(error) for error in errors)
    return messages


def drill_filter_chips(filterset: FeedbackFilter) -> list[dict]:
    """The drill-down parameters in the URL (not inputs of the filter form): label, value, and the list's query
    without it (to remove it)."""
    data = filterset.data
    if not data:
        return []
    chips = []
    for name in sorted(filterset.DRILL_ONLY, key=list(filterset.base_filters).index):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        values = [v for v in values if v not in (None, "")]
        if not values:
            continue
        field = filterset.form.fields[name]
        shown = "、".join(_chip_value(field, v) for v in values)
        rest = data.copy()
        rest.pop(name, None)
        rest.pop("page", None)
        chips.append(
            {
                "name": name,
                "label": field.label,
                "value": shown,
                "values": values,
                "without": rest.urlencode(),
            }
        )
    return chips


def _chip_value(field, value: str) -> str:
    """A drill parameter's value as the reader knows it: a choice's label, a department's or fault's name."""
    try:
        if isinstance(field, forms.ModelChoiceField):
            return str(field.clean(value))
        if isinstance(field, IdOrNoneField):
            cleaned = field.clean(value)
            if cleaned == NONE:
                return str(_("Unclassified"))
            found = field.model.objects.filter(pk=cleaned).first()
            return str(found) if found else value
    except ValidationError:
        return value
    return str(dict(getattr(field, "choices", []) or []).get(value, value))
