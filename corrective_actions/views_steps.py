"""CAPA pages for the steps of a round: submission, review, effect verification, linking a feedback, and the
download of a form's evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from feedback.selectors import feedback_visible_to
from feedback.views import stored_file_response

from . import rules, services
from .forms import (
    EffectVerificationForm,
    LinkFeedbackForm,
    ReviewForm,
    SubmitForm,
)
from .models import CapaAttachment
from .selectors import (
    capa_get_visible,
)
from .views_base import _acting, _handle


# --- submission, review, effect, linking --------------------------------------------------------------------------
@dataclass(frozen=True)
class CapaStep:
    """A step's page on a CAPA form: its title, form, who may take it now, and what a valid form does (calls the
    service, returns the success message)."""

    title: object
    form_class: type
    why_not: Callable
    perform: Callable[[HttpRequest, object, dict], str]
    multipart: bool = False


def _step_view(step: CapaStep):
    @login_required
    def view(request: HttpRequest, number: str) -> HttpResponse:
        capa = capa_get_visible(request.user, number)
        return _handle(
            request,
            capa=capa,
            title=step.title,
            form_factory=lambda *a: step.form_class(*a, version=capa.version),
            why_not=step.why_not,
            perform=lambda cd: step.perform(request, capa, cd),
            multipart=step.multipart,
        )

    return view


def _submit(request, capa, cd):
    services.capa_submit(capa=capa, **_acting(request, cd, capa))
    return _("CAPA form %(capa)s submitted to quality.") % {"capa": capa.number}


def _review(request, capa, cd):
    review = services.capa_review(
        capa=capa,
        **_acting(request, cd, capa),
        decision=cd["decision"],
        comment=cd["comment"],
    )
    if review.decision == review.Decision.ACCEPTED:
        return _("CAPA form %(capa)s accepted: the measures start.") % {"capa": capa.number}
    return _("CAPA form %(capa)s returned to %(department)s.") % {
        "capa": capa.number,
        "department": capa.lead_department,
    }


def _effect(request, capa, cd):
    verification = services.effect_verification_record(
        capa=capa,
        **_acting(request, cd, capa),
        method=cd["method"],
        result=cd["result"],
        note=cd["note"],
        uploads=cd.get("files") or [],
    )
    if verification.result == verification.Result.EFFECTIVE:
        return _("Verified effective: the feedbacks now await closing.")
    return _("%(result)s: the form goes back to %(department)s for round %(round)s.") % {
        "result": verification.get_result_display(),
        "department": capa.lead_department,
        "round": verification.round + 1,
    }


def _link(request, capa, cd):
    feedback_number = cd["feedback_number"].strip().upper()
    feedback = feedback_visible_to(request.user).filter(number=feedback_number).first()
    if feedback is None:
        message = _("There is no feedback %(number)s that you can see.") % {"number": feedback_number}
        raise DomainError(message, field_errors={"feedback_number": [message]})
    services.capa_link_feedback(capa=capa, feedback=feedback, actor=request.user)
    return _("%(number)s linked to %(capa)s.") % {"number": feedback.number, "capa": capa.number}


capa_submit_view = _step_view(
    CapaStep(gettext_lazy("Submit to quality"), SubmitForm, rules.why_not_submit, _submit)
)
capa_review_view = _step_view(
    CapaStep(gettext_lazy("Review the CAPA form"), ReviewForm, rules.why_not_review, _review)
)
effect_verification_view = _step_view(
    CapaStep(
        gettext_lazy("Effect verification"),
        EffectVerificationForm,
        rules.why_not_verify_effect,
        _effect,
        multipart=True,
    )
)
capa_link_view = _step_view(
    CapaStep(
        gettext_lazy("Link a feedback with the same root cause"), LinkFeedbackForm, rules.why_not_link, _link
    )
)


@login_required
def attachment_download_view(request: HttpRequest, number: str, file_id) -> FileResponse:
    capa = capa_get_visible(request.user, number)
    return stored_file_response(request, get_object_or_404(CapaAttachment, pk=file_id, capa=capa))
