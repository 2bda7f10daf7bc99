import datetime as dt

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ProductModel

from .models import Channel, Feedback, Status


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


def _local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


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

    class Meta:
        model = Feedback
        fields: list[str] = []

    def filter_number(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip().upper()
        return qs.filter(number=value) if len(value) >= 11 else qs.filter(number__contains=value)

    def filter_phone(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        digits = "".join(ch for ch in value if ch.isdigit())
        return qs.filter(contact_phone__contains=digits) if digits else qs

    def filter_from(self, qs: QuerySet, name: str, value: dt.date) -> QuerySet:
        return qs.filter(feedback_time__gte=_local_day_start(value))

    def filter_to(self, qs: QuerySet, name: str, value: dt.date) -> QuerySet:
        return qs.filter(feedback_time__lt=_local_day_start(value + dt.timedelta(days=1)))

    def filter_timeliness(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        registered = Q(registered_at__isnull=False)
        return {
            Timeliness.ON_TIME: qs.filter(registered, registered_at__lte=F("registration_due_at")),
            Timeliness.LATE: qs.filter(registered, registered_at__gt=F("registration_due_at")),
            Timeliness.OPEN: qs.filter(status=Status.DRAFT, registration_due_at__gte=now),
            Timeliness.OVERDUE: qs.filter(status=Status.DRAFT, registration_due_at__lt=now),
        }.get(value, qs)
