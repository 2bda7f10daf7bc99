"""Forms of the CAPA pages: input shapes only, the rules are in corrective_actions.services. Each carries the
version of the record it was opened on."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import users_with_role
from core.forms import BootstrapMixin
from feedback.forms import MultipleFileField

from .models import Capa, CapaReview, EffectVerification, Measure, RootCauseCategory
from .selectors import capa_department_ids


class VersionedForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if version is not None and not self.is_bound:
            self.initial.setdefault("version", version)
        self._style()


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} · {obj.department}" if obj.department_id else str(obj)


def owner_choices(capa: Capa):
    return (
        users_with_role(Role.DEPT_MEMBER, Role.DEPT_HEAD)
        .select_related("department")
        .filter(department_id__in=capa_department_ids(capa))
        .order_by("department_id", "id")
    )


class CapaForm(VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    root_cause_category = forms.ChoiceField(
        label=_("Root-cause category"), choices=[("", "—"), *RootCauseCategory.choices], required=False
    )
    root_cause_analysis = forms.CharField(
        label=_("Root-cause analysis"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "Why did it happen, why was it not caught? Both are needed before the head submits the form."
        ),
    )


class MeasureForm(VersionedForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Measure.Kind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Short-term: for products already sold (free repair, replacement, recall, compensation). "
            "Long-term: in design, production, inspection (tolerance change, added ageing test)."
        ),
    )
    description = forms.CharField(label=_("Measure"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = OwnerField(label=_("Owner"), queryset=User.objects.none(), required=False)
    planned_date = forms.DateField(
        label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )

    def __init__(self, *args, capa: Capa, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices(capa)


class MeasureProgressForm(VersionedForm):
    progress_note = forms.CharField(
        label=_("Progress note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    complete = forms.BooleanField(label=_("The measure is completed"), required=False)
    completed_date = forms.DateField(
        label=_("Actual completion date"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    files = MultipleFileField(label=_("Evidence"))


class WithdrawForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why is the measure withdrawn?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmitForm(VersionedForm):
    pass


class ReviewForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=CapaReview.Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required when the form is returned: say what must change."),
    )


class EffectVerificationForm(VersionedForm):
    method = forms.ChoiceField(label=_("Verification method"), choices=EffectVerification.Method.choices)
    result = forms.ChoiceField(
        label=_("Result"),
        choices=EffectVerification.Result.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Ineffective or needs further work sends the form back to the department for new measures."
        ),
    )
    note = forms.CharField(label=_("What was checked and found"), widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Evidence (test report, follow-up record)"))


class LinkFeedbackForm(VersionedForm):
    feedback_number = forms.CharField(
        label=_("Feedback number"),
        max_length=16,
        help_text=_("A feedback with the same root cause, assigned to this form's lead department."),
    )
