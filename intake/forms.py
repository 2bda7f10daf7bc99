"""Forms of the intake pages: an integration, an upload."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from feedback.models import Channel


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class CustomerServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.username})"


def customer_service_users():
    return (
        User.objects.filter(is_active=True, groups__name__in=["cs_agent", "cs_supervisor"])
        .distinct()
        .order_by("name", "username")
    )


class IntegrationForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=64, help_text=_("E.g. 在线客服平台, 12315 平台, 经销商门户.")
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    default_owner = CustomerServiceChoiceField(
        label=_("Customer service owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("nobody: waits in the intake inbox"),
    )
    rate_per_minute = forms.IntegerField(
        label=_("Requests per minute"),
        required=False,
        min_value=1,
        max_value=10_000,
        help_text=_("Empty: %(n)s a minute.") % {"n": settings.INTAKE_API_RATE_PER_MINUTE},
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_owner"].queryset = customer_service_users()
        if editing:
            self.fields["name"].disabled = True
        else:
            del self.fields["is_active"]
        _style(self)


class UploadForm(forms.Form):
    workbook = forms.FileField(
        label=_("Workbook (.xlsx)"),
        help_text=_("The filled-in import template, at most %(mb)s MB.")
        % {"mb": settings.INTAKE_IMPORT_MAX_MB},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class HandledForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
