"""Forms of the quality loop's pages. They check input shapes only; the rules are in feedback.lifecycle,
feedback.contacts and corrective_actions.services. Every form that changes a feedback carries the version it was
opened on (a hidden field): the service refuses it when the record moved on meanwhile."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from accounts.roles import Role
from accounts.selectors import users_with_role
from catalog.models import FaultPhenomenon
from core.forms import BootstrapMixin
from feedback.forms import MultipleFileField
from feedback.models import (
    CallbackAttempt,
    Category,
    CommunicationLog,
    Feedback,
    Pause,
    Satisfaction,
    Severity,
    Verification,
)
from feedback.selectors import verification_of


class LifecycleForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, feedback: Feedback | None = None, user: User | None = None, **kwargs):
        self.feedback = feedback
        self.user = user
        super().__init__(*args, **kwargs)
        if feedback is not None and not self.is_bound:
            self.initial.setdefault("version", feedback.version)
        self._style()


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


# --- verification, classification, grading --------------------------------------------------------------------
class VerificationForm(LifecycleForm):
    frequency = forms.ChoiceField(label=_("Fault frequency"), choices=Verification.Frequency.choices)
    methods = forms.MultipleChoiceField(
        label=_("Confirmed by"), choices=Verification.Method.choices, widget=forms.CheckboxSelectMultiple
    )
    usage_environment = forms.CharField(label=_("Usage environment"), widget=_textarea(2), required=False)
    operating_steps = forms.CharField(label=_("Operating steps"), widget=_textarea(2), required=False)
    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=Verification.Verdict.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), widget=_textarea(2), required=False)
    files = MultipleFileField(label=_("Evidence (photos, video, test report)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        existing = verification_of(self.feedback) if self.feedback else None
        if existing is not None and not self.is_bound:
            for name in ("frequency", "methods", "usage_environment", "operating_steps", "verdict", "note"):
                self.initial[name] = getattr(existing, name)


class FaultPhenomenonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FaultPhenomenon) -> str:
        return f"{obj.line.name} · {obj.name}" if obj.line_id else obj.name


class ClassifyForm(LifecycleForm):
    """Classification and grading on one page (two services, one transaction)."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, widget=forms.RadioSelect)
    fault_phenomenon = FaultPhenomenonField(
        label=_("Fault phenomenon"),
        queryset=FaultPhenomenon.objects.none(),
        required=False,
        help_text=_("Required except for a service problem."),
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        widget=forms.RadioSelect,
        help_text=_("Ⅲ alerts management at once and starts the 24-hour emergency clock."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        feedback = self.feedback
        line_id = feedback.product_model.line_id if feedback and feedback.product_model_id else None
        self.fields["fault_phenomenon"].queryset = FaultPhenomenon.objects.select_related("line").filter(
            Q(line__isnull=True) | Q(line_id=line_id), is_active=True
        )
        if feedback is not None and not self.is_bound:
            self.initial.update(
                category=feedback.category,
                fault_phenomenon=feedback.fault_phenomenon_id,
                severity=feedback.severity,
            )


class EmergencyForm(LifecycleForm):
    note = forms.CharField(
        label=_("Emergency response"),
        widget=_textarea(3),
        help_text=_("Who does what: on-site check, stop of sale, recall of the batch …"),
    )


# --- assignment ------------------------------------------------------------------------------------------------
class AssignForm(LifecycleForm):
    """One row per active department: tick it, name its owner; one ticked department is the lead."""

    departments = forms.ModelMultipleChoiceField(
        label=_("Responsible departments"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    lead = forms.ModelChoiceField(
        label=_("Lead department (writes the CAPA form)"),
        queryset=Department.objects.none(),
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Two queries for the whole table: the choices are listed from the rows read here (the querysets only
        # validate what is posted), not read again per department.
        queryset = Department.objects.filter(is_active=True).order_by("id")
        self.rows = list(queryset)
        for name in ("departments", "lead"):
            self.fields[name].queryset = queryset
            self.fields[name].choices = [(d.pk, str(d)) for d in self.rows]
        members: dict[int, list[User]] = {}
        for user in (
            users_with_role(Role.DEPT_MEMBER, Role.DEPT_HEAD)
            .filter(department__isnull=False)
            .order_by("department_id", "id")
        ):
            members.setdefault(user.department_id, []).append(user)
        for department in self.rows:
            people = members.get(department.pk, [])
            field = forms.ModelChoiceField(
                label=_("Owner in %(department)s") % {"department": department},
                queryset=User.objects.filter(pk__in=[u.pk for u in people]).order_by("id"),
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            field.choices = [("", field.empty_label), *((u.pk, str(u)) for u in people)]
            self.fields[f"owner_{department.pk}"] = field

    def department_rows(self):
        """(department, its checkbox, its owner field, its lead radio) for the template's table."""
        boxes = {str(w.data["value"]): w for w in self["departments"]}
        radios = {str(w.data["value"]): w for w in self["lead"]}
        return [
            (
                department,
                boxes.get(str(department.pk)),
                self[f"owner_{department.pk}"],
                radios.get(str(department.pk)),
            )
            for department in self.rows
        ]

    def owners(self) -> dict[Department, User | None]:
        return {d: self.cleaned_data.get(f"owner_{d.pk}") for d in self.cleaned_data.get("departments", [])}


class CapaLinkForm(LifecycleForm):
    capa = forms.ModelChoiceField(
        label=_("CAPA form with the same root cause"), queryset=None, to_field_name="number"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from corrective_actions.models import Capa

        departments = (
            list(self.feedback.assignments.values_list("department_id", flat=True)) if self.feedback else []
        )
        self.fields["capa"].queryset = Capa.objects.select_related("lead_department").filter(
            lead_department_id__in=departments
        )
        self.fields["capa"].label_from_instance = lambda c: (
            f"{c.number} · {c.title} · {c.get_status_display()}"
        )


# --- waiting, contacts, callback -------------------------------------------------------------------------------
class PauseForm(LifecycleForm):
    reason = forms.ChoiceField(label=_("Waiting for"), choices=Pause.Reason.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), widget=_textarea(2), required=False)


class PauseEndForm(LifecycleForm):
    pass


class ContactForm(LifecycleForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CommunicationLog.Kind.choices, widget=forms.RadioSelect, initial="general"
    )
    method = forms.ChoiceField(label=_("Method"), choices=CommunicationLog.Method.choices, initial="phone")
    contacted_at = forms.DateTimeField(
        label=_("Contacted at"), required=False, widget=_datetime_input(), help_text=_("Leave empty for now.")
    )
    content = forms.CharField(label=_("What was said"), widget=_textarea(3))
    files = MultipleFileField(label=_("Attachments (e-mail, chat screenshot …)"))


class CallbackAttemptForm(LifecycleForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=CallbackAttempt.Outcome.choices, widget=forms.RadioSelect
    )
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_("Only when the customer was reached."),
    )
    comment = forms.CharField(label=_("Comment"), widget=_textarea(2), required=False)
    attempted_at = forms.DateTimeField(
        label=_("Called at"), required=False, widget=_datetime_input(), help_text=_("Leave empty for now.")
    )


class CallbackUnreachableForm(LifecycleForm):
    note = forms.CharField(label=_("Note"), widget=_textarea(2), required=False)


# --- closing ----------------------------------------------------------------------------------------------------
class CloseNotConfirmedForm(LifecycleForm):
    note = forms.CharField(label=_("Reason for closing"), widget=_textarea(3))


class CloseDuplicateForm(LifecycleForm):
    original_number = forms.CharField(label=_("Original feedback number"), max_length=16)
    note = forms.CharField(label=_("Reason for closing"), widget=_textarea(2))


class CloseResolvedForm(LifecycleForm):
    note = forms.CharField(label=_("Closing note"), widget=_textarea(2), required=False)
