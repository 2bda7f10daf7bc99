"""The quality loop's pages on a feedback: one page per action (GET shows the form, POST calls the service).
Thin: every rule is in feedback.lifecycle / feedback.contacts / corrective_actions.services.

- a feedback the user may not see: 404 (feedback_get_visible);
- an action the user may not take now: the page says why, the form is not offered, a POST is refused with it;
- a stale form: refused with a message, the page shows the current state;
- success: a message and back to the feedback's detail page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core.errors import DomainError, StaleError
from corrective_actions import services as capa_services
from corrective_actions.rules import why_not_link
from feedback.models import CloseReason, Feedback, Status
from feedback.selectors import feedback_get_visible, open_pause

from . import contacts, lifecycle
from . import forms_lifecycle as lf
from .selectors import feedback_get_for_detail


@dataclass(frozen=True)
class Action:
    name: str
    title: object  # lazy string
    form_class: type[lf.LifecycleForm]
    why_not: Callable[[object, Feedback], str | None]
    perform: Callable[[HttpRequest, Feedback, dict, lf.LifecycleForm], str]
    multipart: bool = False
    danger: bool = False
    intro: object = ""


def _version(cd: dict, feedback: Feedback) -> int:
    return cd.get("version") or feedback.version


# --- what each action does --------------------------------------------------------------------------------------
def _verify(request, feedback, cd, form):
    verification = lifecycle.feedback_verify(
        feedback=feedback,
        actor=request.user,
        expected_version=_version(cd, feedback),
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
    classified = lifecycle.feedback_classify(
        feedback=feedback,
        actor=request.user,
        expected_version=_version(cd, feedback),
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
    lifecycle.feedback_emergency_started(
        feedback=feedback, actor=request.user, expected_version=_version(cd, feedback), note=cd["note"]
    )
    return _("Emergency response recorded; the 24-hour clock has stopped.")


def _assign(request, feedback, cd, form):
    assignments = lifecycle.feedback_assign(
        feedback=feedback,
        actor=request.user,
        expected_version=_version(cd, feedback),
        owners=form.owners(),
        lead=cd["lead"],
    )
    return _("Assigned to %(departments)s; management has been copied.") % {
        "departments": "、".join(str(a.department) for a in assignments)
    }


def _capa_link(request, feedback, cd, form):
    capa_services.capa_link_feedback(
        capa=cd["capa"], feedback=feedback, actor=request.user, expected_version=_version(cd, feedback)
    )
    return _("Linked to the CAPA form %(capa)s.") % {"capa": cd["capa"].number}


def _pause_start(request, feedback, cd, form):
    pause = lifecycle.pause_start(
        feedback=feedback,
        actor=request.user,
        expected_version=_version(cd, feedback),
        reason=cd["reason"],
        note=cd["note"],
    )
    return _("Waiting period started (%(reason)s): the deadlines stand still.") % {
        "reason": pause.get_reason_display()
    }


def _pause_end(request, feedback, cd, form):
    lifecycle.pause_end(feedback=feedback, actor=request.user, expected_version=_version(cd, feedback))
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
    lifecycle.feedback_close_not_confirmed(
        feedback=feedback, actor=request.user, expected_version=_version(cd, feedback), note=cd["note"]
    )
    return _("%(number)s closed as not confirmed.") % {"number": feedback.number}


def _close_duplicate(request, feedback, cd, form):
    closed = lifecycle.feedback_close_duplicate(
        feedback=feedback,
        actor=request.user,
        expected_version=_version(cd, feedback),
        original_number=cd["original_number"],
        note=cd["note"],
    )
    return _("%(number)s closed as a duplicate of %(original)s.") % {
        "number": feedback.number,
        "original": closed.duplicate_of.number,
    }


def _close_resolved(request, feedback, cd, form):
    lifecycle.feedback_close_resolved(
        feedback=feedback, actor=request.user, expected_version=_version(cd, feedback), note=cd["note"]
    )
    return _("%(number)s closed.") % {"number": feedback.number}


# --- who may, now ------------------------------------------------------------------------------------------------
def _why_not_assign(user, feedback):
    reason = lifecycle.why_not_assign(user, feedback)
    if reason:
        return reason
    problems = lifecycle.assignment_problems(feedback)
    return " ".join(problems) or None


def _why_not_capa_link(user, feedback):
    if feedback.status != Status.ASSIGNED or feedback.capa_id:
        return _("Only an assigned feedback that awaits its CAPA form can be linked to one.")
    return why_not_link(user, feedback)


def _why_not_pause_end(user, feedback):
    reason = lifecycle.why_not_pause(user, feedback)
    if reason:
        return reason
    if open_pause(feedback) is None:
        return _("%(number)s is not waiting.") % {"number": feedback.number}
    return None


def _why_not_pause_start(user, feedback):
    reason = lifecycle.why_not_pause(user, feedback)
    if reason:
        return reason
    if open_pause(feedback) is not None:
        return _("%(number)s is already waiting.") % {"number": feedback.number}
    return None


def _why_not_unreachable(user, feedback):
    reason = contacts.why_not_callback_attempt(user, feedback)
    if reason:
        return reason
    problems = contacts.unreachable_problems(feedback.callback)
    return " ".join(problems) or None


def _why_not_close(reason):
    return lambda user, feedback: lifecycle.why_not_close(user, feedback, reason)


def _why_not_close_resolved(user, feedback):
    reason = lifecycle.why_not_close(user, feedback, CloseReason.RESOLVED)
    if reason and not user.has_perm("feedback.close_feedback"):
        return reason
    problems = lifecycle.close_resolved_problems(feedback)
    return " ".join(problems) or reason


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "verify",
            gettext_lazy("Record the verification"),
            lf.VerificationForm,
            lifecycle.why_not_verify,
            _verify,
            multipart=True,
        ),
        Action(
            "classify",
            gettext_lazy("Classify and grade"),
            lf.ClassifyForm,
            lifecycle.why_not_classify,
            _classify,
        ),
        Action(
            "emergency_response",
            gettext_lazy("Start the emergency response"),
            lf.EmergencyForm,
            lifecycle.why_not_emergency,
            _emergency,
        ),
        Action(
            "assign",
            gettext_lazy("Assign departments"),
            lf.AssignForm,
            _why_not_assign,
            _assign,
            intro=gettext_lazy(
                "Tick each responsible department, name its owner and choose the lead department. "
                "Management is copied."
            ),
        ),
        Action(
            "capa_link",
            gettext_lazy("Link to an existing CAPA form"),
            lf.CapaLinkForm,
            _why_not_capa_link,
            _capa_link,
            intro=gettext_lazy(
                "For a feedback with the same root cause as a CAPA form already "
                "opened: it follows that form instead of a new one."
            ),
        ),
        Action(
            "pause_start",
            gettext_lazy("Start a waiting period"),
            lf.PauseForm,
            _why_not_pause_start,
            _pause_start,
            intro=gettext_lazy(
                "The running deadlines stand still until the waiting ends; they "
                "resume with the working time they had left."
            ),
        ),
        Action(
            "pause_end",
            gettext_lazy("End the waiting period"),
            lf.PauseEndForm,
            _why_not_pause_end,
            _pause_end,
        ),
        Action(
            "contact_add",
            gettext_lazy("Log a contact with the customer"),
            lf.ContactForm,
            contacts.why_not_contact,
            _contact,
            multipart=True,
        ),
        Action(
            "callback_attempt",
            gettext_lazy("Satisfaction callback"),
            lf.CallbackAttemptForm,
            contacts.why_not_callback_attempt,
            _callback_attempt,
        ),
        Action(
            "callback_unreachable",
            gettext_lazy("Close the callback: customer unreachable"),
            lf.CallbackUnreachableForm,
            _why_not_unreachable,
            _callback_unreachable,
            danger=True,
        ),
        Action(
            "close_not_confirmed",
            gettext_lazy("Close: not confirmed"),
            lf.CloseNotConfirmedForm,
            _why_not_close(CloseReason.NOT_CONFIRMED),
            _close_not_confirmed,
            danger=True,
        ),
        Action(
            "close_duplicate",
            gettext_lazy("Close: duplicate"),
            lf.CloseDuplicateForm,
            _why_not_close(CloseReason.DUPLICATE),
            _close_duplicate,
            danger=True,
        ),
        Action(
            "close_resolved",
            gettext_lazy("Close as resolved"),
            lf.CloseResolvedForm,
            _why_not_close_resolved,
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
    feedback = feedback_get_visible(request.user, number)
    blocked = spec.why_not(request.user, feedback)
    if request.method != "POST":
        form = spec.form_class(feedback=feedback, user=request.user)
        return _page(request, feedback, spec, form, blocked=blocked)
    form = spec.form_class(request.POST, request.FILES, feedback=feedback, user=request.user)
    if not form.is_valid():
        form.mark_invalid()
        return _page(request, feedback, spec, form, blocked=blocked, status=400)
    try:
        message = spec.perform(request, feedback, form.cleaned_data, form)
    except StaleError as exc:
        messages.error(request, exc.message)
        fresh = feedback_get_visible(request.user, number)
        form = spec.form_class(feedback=fresh, user=request.user)
        return _page(request, fresh, spec, form, blocked=spec.why_not(request.user, fresh), status=409)
    except DomainError as exc:
        form.add_service_errors(exc.field_errors)
        if not exc.field_errors:
            form.add_error(None, exc.message)
        form.mark_invalid()
        return _page(request, feedback, spec, form, blocked=blocked, status=400)
    messages.success(request, message)
    return redirect(feedback)


@login_required
@require_safe
def lifecycle_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The panel alone (htmx refresh)."""
    feedback = feedback_get_for_detail(request.user, number)
    return render(request, "feedback/lifecycle/panel.html", {"feedback": feedback})
