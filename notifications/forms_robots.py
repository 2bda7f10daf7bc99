"""The administrator's forms for group-chat robots and their routing rules."""

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from accounts.roles import Role

from .models import SEVERITY_CHOICES, Platform, Robot, RobotRule

SIGNED_PLATFORMS = (Platform.DINGTALK, Platform.FEISHU)


class RobotForm(forms.ModelForm):
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "DingTalk: the SEC… string of 加签; Feishu: the key of 签名校验. Leave empty to keep the one stored."
        ),
    )

    webhook_url = forms.URLField(label=_("Webhook address"), max_length=500, assume_scheme="https")

    class Meta:
        model = Robot
        fields = ["name", "platform", "webhook_url", "secret", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stored_secret = self.instance.secret if self.instance.pk else ""
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            else:
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"].strip()
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("Paste the robot's webhook address (https://…)."))
        return url

    def clean(self):
        cleaned = super().clean()
        secret = (cleaned.get("secret") or "").strip() or self._stored_secret
        cleaned["secret"] = secret
        if cleaned.get("platform") in SIGNED_PLATFORMS and not secret:
            self.add_error(
                "secret",
                _(
                    "A %(platform)s robot needs its signing secret: turn on signature verification in the group's robot settings and paste the secret here."
                )
                % {"platform": Platform(cleaned["platform"]).label},
            )
        return cleaned

    def save(self, commit=True):
        self.instance.secret = self.cleaned_data.get("secret", "")
        return super().save(commit=commit)


class RuleForm(forms.ModelForm):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        empty_label=_("any department"),
    )
    role = forms.ChoiceField(label=_("Role"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)

    class Meta:
        model = RobotRule
        fields = ["department", "role", "severity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("any role")), *Role.choices]
        self.fields["severity"].choices = [("", _("any severity")), *SEVERITY_CHOICES]
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-select form-select-sm")


RuleFormSet = inlineformset_factory(
    Robot, RobotRule, form=RuleForm, extra=3, can_delete=True, min_num=0, validate_min=False
)
