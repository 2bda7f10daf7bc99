"""The 报表中心 request form: PeriodForm's rules (reports.periods), and something must be chosen."""

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .periods import PeriodForm, PeriodSerializer

NOTHING_CHOSEN = _("Choose a month, or a date range (start and end).")
PERIOD_FIELDS = ("month", "preset", "start", "end")


class ReportRequestForm(PeriodForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})
        self.fields["month"].help_text = _("A calendar month, e.g. 2026-11.")
        for name, field in self.fields.items():
            css = (
                "form-select form-select-sm"
                if name in ("preset", "product_line")
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css

    def clean(self):
        if not any(self.data.get(name) for name in PERIOD_FIELDS):
            self.add_error("month", NOTHING_CHOSEN)
            return self.cleaned_data
        return super().clean()


class ReportRequestSerializer(PeriodSerializer):
    """The API's request body: as PeriodSerializer, and an empty body is a 400 (nothing chosen)."""

    def validate(self, attrs: dict) -> dict:
        if not any(attrs.get(name) for name in PERIOD_FIELDS):
            raise serializers.ValidationError({"month": [NOTHING_CHOSEN]})
        return super().validate(attrs)
