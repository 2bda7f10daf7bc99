"""The quality loop's pages on a feedback: one page per action (GET shows the form, POST calls the service).
Thin: every rule is in quality_loop.lifecycle / quality_loop.contacts / corrective_actions.services.

- a feedback the user may not see: 404 (feedback_get_visible);
- an action the user may not take now: the page says why, the form is not offered, a POST is refused with it;
- a stale form: refused with a message, the page shows the current state;
- success: a message and back to the feedback's detail page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core.action_views import ActionPage, action_handle
from corrective_actions import services as capa_services
from feedback.models import Feedback
from feedback.selectors import feedback_get_visible

from . import contacts, lifecycle
from . import forms_lifecycle as lf
from .offers import OFFERS
from .selectors import feedback_get_for_detail


@dataclass(frozen=True)
class Action:
    """An action page: its form and what a valid form does; who may take it now and its title are its offer
    (quality_loop/offers.py)."""

    name: str
    form_class: type[lf.LifecycleForm]
    perform: Callable[[HttpRequest, Feedback, dict, lf.LifecycleForm], str]
    multipart: bool = False
    danger: bool = False
    intro: object = ""

    @property
    def title(self):
        return OFFERS[self.name].title

    def why_not(self, user, feedback: Feedback) -> str | None:
        return OFFERS[self.name].why_not(user, feedback)


def _version(cd: dict, feedback: Feedback) -> int:
    return cd.get("version") or feedback.version


def _on(service, request: HttpRequest, feedback: Feedback, cd: dict, **fields):
    """``service`` on ``feedback`` by the requesting user, at the version the form was opened on."""
    return service(feedback=feedback, actor=request.user, expected_version=_version(cd, feedback), **fields)


# --- what each action does --------------------------------------------------------------------------------------
def _verify(request, feedback, cd, form):
    verification = _on(
        lifecycle.feedback_verify,
        request,
        feedback,
        cd,
        frequency=cd["frequency"],
        verdict=cd["verdict"],
        methods=cd["methods"],
        usage_environment=cd["usage_environment"],
        operating_steps=cd["operating_steps"],
        note=cd["note"],
        uploads=cd.get("files") or [],
    )
    return _("Verification recorded: %(verdict)s.") % {"verdict": verification.get_verdict_display()}


@transaction.atomic
def _classify(request, feedback, cd, form):
    classified = _on(
        lifecycle.feedback_classify,
        request,
        feedback,
        cd,
        category=cd["category"],
        fault_phenomenon=cd["fault_phenomenon"],
    )
    graded = lifecycle.feedback_grade(
        feedback=classified, actor=request.user, expected_version=classified.version, severity=cd["severity"]
    )
    return _("Classified as %(category)s, graded %(severity)s.") % {
        "category": graded.get_category_display(),
        "severity": graded.get_severity_display(),
    }


def _emergency(request, feedback, cd, form):
    _on(lifecycle.feedback_emergency_started, request, feedback, cd, note=cd["note"])
    return _("Emergency response recorded; the 24-hour clock has stopped.")


def _assign(request, feedback, cd, form):
    assignments = _on(
        lifecycle.feedback_assign,
        request,
        feedback,
        cd,
        owners=form.owners(),
        lead=cd["lead"],
    )
    return _("Assigned to %(departments)s; management has been copied.") % {
        "departments": "、".join(str(a.department) for a in assignments)
    }


def _capa_link(request, feedback, cd, form):
    _on(capa_services.capa_link_feedback, request, feedback, cd, capa=cd["capa"])
    return _("Linked to the CAPA form %(capa)s.") % {"capa": cd["capa"].number}


def _pause_start(request, feedback, cd, form):
    pause = _on(
        lifecycle.pause_start,
        request,
        feedback,
        cd,
        reason=cd["reason"],
        note=cd["note"],
    )
    return _("Waiting period started (%(reason)s): the deadlines stand still.") % {
        "reason": pause.get_reason_display()
    }


def _pause_end(request, feedback, cd, form):
    _on(lifecycle.pause_end, request, feedback, cd)
    return _("Waiting period ended: the deadlines run again with the time they had left.")


def _contact(request, feedback, cd, form):
    contacts.contact_log_add(
        feedback=feedback,
        actor=request.user,
        content=cd["content"],
        kind=cd["kind"],
        method=cd["method"],
        contacted_at=cd.get("contacted_at"),
        uploads=cd.get("files") or [],
    )
    return _("Contact with the customer logged.")


def _callback_attempt(request, feedback, cd, form):
    attempt = contacts.callback_attempt_record(
        feedback=feedback,
        actor=request.user,
        outcome=cd["outcome"],
        satisfaction=cd.get("satisfaction") or "",
        comment=cd["comment"],
        attempted_at=cd.get("attempted_at"),
    )
    if attempt.satisfaction:
        return _("Satisfaction callback recorded: %(s)s.") % {"s": attempt.get_satisfaction_display()}
    return _("Call attempt recorded: %(outcome)s.") % {"outcome": attempt.get_outcome_display()}


def _callback_unreachable(request, feedback, cd, form):
    contacts.callback_close_unreachable(feedback=feedback, actor=request.user, note=cd["note"])
    return _("The callback is closed: customer unreachable.")


def _close_not_confirmed(request, feedback, cd, form):
    _on(lifecycle.feedback_close_not_confirmed, request, feedback, cd, note=cd["note"])
    return _("%(number)s closed as not confirmed.") % {"number": feedback.number}


def _close_duplicate(request, feedback, cd, form):
    closed = _on(
        lifecycle.feedback_close_duplicate,
        request,
        feedback,
        cd,
        original_number=cd["original_number"],
        note=cd["note"],
    )
    return _("%(number)s closed as a duplicate of %(original)s.") % {
        "number": feedback.number,
        "original": closed.duplicate_of.number,
    }


def _close_resolved(request, feedback, cd, form):
    _on(lifecycle.feedback_close_resolved, request, feedback, cd, note=cd["note"])
    return _("%(number)s closed.") % {"number": feedback.number}


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "verify",
            lf.VerificationForm,
            _verify,
            multipart=True,
        ),
        Action(
            "classify",
            lf.ClassifyForm,
            _classify,
        ),
        Action(
            "emergency_response",
            lf.EmergencyForm,
            _emergency,
        ),
        Action(
            "assign",
            lf.AssignForm,
            _assign,
            intro=gettext_lazy(
                "Tick each responsible department, name its owner and choose the lead department. "
                "Management is copied."
            ),
        ),
        Action(
            "capa_link",
            lf.CapaLinkForm,
            _capa_link,
            intro=gettext_lazy(
                "For a feedback with the same root cause as a CAPA form already "
                "opened: it follows that form instead of a new one."
            ),
        ),
        Action(
            "pause_start",
            lf.PauseForm,
            _pause_start,
            intro=gettext_lazy(
                "The running deadlines stand still until the waiting ends; they "
                "resume with the working time they had left."
            ),
        ),
        Action(
            "pause_end",
            lf.PauseEndForm,
            _pause_end,
        ),
        Action(
            "contact_add",
            lf.ContactForm,
            _contact,
            multipart=True,
        ),
        Action(
            "callback_attempt",
            lf.CallbackAttemptForm,
            _callback_attempt,
        ),
        Action(
            "callback_unreachable",
            lf.CallbackUnreachableForm,
            _callback_unreachable,
            danger=True,
        ),
        Action(
            "close_not_confirmed",
            lf.CloseNotConfirmedForm,
            _close_not_confirmed,
            danger=True,
        ),
        Action(
            "close_duplicate",
            lf.CloseDuplicateForm,
            _close_duplicate,
            danger=True,
        ),
        Action(
            "close_resolved",
            lf.CloseResolvedForm,
            _close_resolved,
        ),
    )
}


# --- the one view behind every action page -----------------------------------------------------------------------
def _page(request: HttpRequest, feedback: Feedback, action: Action, form, *, blocked: str | None, status=200):
    context = {"feedback": feedback, "action": action, "form": form, "blocked": blocked}
    return render(request, "feedback/lifecycle/action.html", context, status=status)


@login_required
def lifecycle_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    spec = ACTIONS[action]
    page = ActionPage(
        form=lambda feedback, *data: spec.form_class(*data, feedback=feedback, user=request.user),
        why_not=lambda feedback: spec.why_not(request.user, feedback),
        render=lambda feedback, form, blocked, status: _page(
            request, feedback, spec, form, blocked=blocked, status=status
        ),
        reload=lambda feedback: feedback_get_visible(request.user, number),
        done=redirect,
    )
    return action_handle(
        request,
        feedback_get_visible(request.user, number),
        page=page,
        perform=lambda feedback, form: spec.perform(request, feedback, form.cleaned_data, form),
    )


@login_required
@require_safe
def lifecycle_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The panel alone (htmx refresh)."""
    feedback = feedback_get_for_detail(request.user, number)
    return render(request, "feedback/lifecycle/panel.html", {"feedback": feedback})
