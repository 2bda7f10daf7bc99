from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ProductModel

from . import attachments as files
from .models import Channel, CustomerRequest, Feedback
from .services import REGISTRATION_FIELDS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by its content (feedback.attachments.detect)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        uploads = data if isinstance(data, list | tuple) else [data]
        cleaned, errors = [], []
        for upload in uploads:
            upload = super().clean(upload, initial)
            try:
                files.detect(upload)
            except forms.ValidationError as exc:
                errors.extend(exc.messages)
                continue
            cleaned.append(upload)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class ProductModelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ProductModel) -> str:
        return f"{obj.line.name} · {obj.name} {obj.code}"


class RegistrationForm(forms.ModelForm):
    """The 售后反馈登记表. Every field is optional at the form level: the service decides what a draft may
    lack and what completing the registration needs, and its field errors are put back on this form."""

    customer_requests = forms.MultipleChoiceField(
        label=_("Customer request"),
        choices=CustomerRequest.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    product_model = ProductModelChoiceField(
        label=_("Product model"),
        queryset=ProductModel.objects.filter(is_active=True).select_related("line"),
        required=False,
    )
    feedback_time = forms.DateTimeField(
        label=_("Feedback time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the customer contacted us."),
    )
    purchase_date = forms.DateField(
        label=_("Purchase date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        required=False,
        max_length=32,
        help_text=_("Mobile (13812345678) or landline with area code (0755-12345678)."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        help_text=_("Photos, videos, audio recordings, PDF or Office files; several at once."),
    )
    stashed = forms.CharField(required=False, widget=forms.MultipleHiddenInput)

    class Meta:
        model = Feedback
        fields = list(REGISTRATION_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "channel": forms.Select,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("customer_name", "channel", "description", "contact_email"):
            self.fields[name].required = False
        self.fields["channel"].choices = [("", "---------"), *Channel.choices]
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("feedback_time", timezone.localtime().replace(second=0, microsecond=0))
        if self.instance.pk and self.instance.status != "draft":
            self.fields["feedback_time"].disabled = True
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.MultipleHiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not self._anything_typed(cleaned):
            raise forms.ValidationError(
                _("Nothing was entered: fill in at least the customer or the problem before saving."),
                code="empty",
            )
        return cleaned

    def _anything_typed(self, cleaned: dict) -> bool:
        """A new record needs something besides the pre-filled feedback time: an empty form is no draft."""
        typed = any(cleaned.get(name) for name in self._meta.fields if name != "feedback_time")
        return typed or bool(cleaned.get("attachments")) or bool(self.clean_stashed())

    def clean_stashed(self):
        return self.data.getlist("stashed") if hasattr(self.data, "getlist") else []

    def registration_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self._meta.fields if name in self.cleaned_data}

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def add_service_errors(self, error_dict: dict[str, list[str]]) -> None:
        for field, messages in error_dict.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


class VoidForm(forms.Form):
    void_reason = forms.CharField(
        label=_("Reason for voiding"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        max_length=2000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
