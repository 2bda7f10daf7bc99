"""The similar-feedback panel (an htmx fragment on the registration form, the detail page and the verification
page) and its one-click actions. Thin: the rules are in feedback.selectors_similar and feedback.similar."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, StaleError
from feedback.selectors import feedback_get_visible
from feedback.selectors_similar import similar_feedback, similar_to
from feedback.services import can_register

from . import similar


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _panel(request, result, feedback=None) -> HttpResponse:
    rows = [
        {
            "match": m,
            "duplicate_blocked": similar.why_not_mark_duplicate(request.user, feedback) if feedback else None,
        }
        for m in result.matches
    ]
    capas = [
        {
            "capa": capa,
            "blocked": similar.why_not_join_capa(request.user, feedback, capa) if feedback else None,
        }
        for capa in result.capas
    ]
    context = {
        "result": result,
        "rows": rows,
        "capas": capas,
        "feedback": feedback,
        "can_act": feedback is not None,
    }
    return render(request, "feedback/similar/panel.html", context)


@login_required
@require_GET
def similar_for_form(request: HttpRequest) -> HttpResponse:
    """While a new feedback is typed: the values of the form so far."""
    if not can_register(request.user):
        raise Http404
    at = parse_datetime(request.GET.get("feedback_time") or "")
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    result = similar_feedback(
        user=request.user,
        phone=request.GET.get("contact_phone", ""),
        product_model_id=_int(request.GET.get("product_model")),
        serial_number=request.GET.get("serial_number", ""),
        at=at,
    )
    return _panel(request, result)


@login_required
@require_GET
def similar_for_feedback(request: HttpRequest, number: str) -> HttpResponse:
    feedback = feedback_get_visible(request.user, number)
    if not any(key in request.GET for key in ("contact_phone", "product_model", "serial_number")):
        return _panel(request, similar_to(feedback, user=request.user), feedback)
    # the registration form of this record, with what is typed so far
    result = similar_feedback(
        user=request.user,
        phone=request.GET.get("contact_phone", feedback.contact_phone),
        product_model_id=_int(request.GET.get("product_model", feedback.product_model_id)),
        fault_phenomenon_id=feedback.fault_phenomenon_id,
        serial_number=request.GET.get("serial_number", feedback.serial_number),
        at=feedback.feedback_time,
        exclude_pk=feedback.pk,
    )
    return _panel(request, result, feedback)


@login_required
@require_POST
def similar_mark_duplicate(request: HttpRequest, number: str) -> HttpResponse:
    feedback = feedback_get_visible(request.user, number)
    original = request.POST.get("original", "")
    try:
        similar.feedback_mark_duplicate(
            feedback=feedback,
            actor=request.user,
            expected_version=_int(request.POST.get("version")) or feedback.version,
            original_number=original,
        )
    except (DomainError, StaleError) as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(number)s closed as a duplicate of %(original)s.") % {"number": number, "original": original},
        )
    return redirect(feedback)


@login_required
@require_POST
def similar_join_capa(request: HttpRequest, number: str) -> HttpResponse:
    from corrective_actions.selectors import capa_visible_to  # the CAPA app sits above this one

    feedback = feedback_get_visible(request.user, number)
    capa = get_object_or_404(capa_visible_to(request.user), number=request.POST.get("capa", ""))
    try:
        similar.feedback_join_capa(
            feedback=feedback,
            capa=capa,
            actor=request.user,
            expected_version=_int(request.POST.get("version")) or feedback.version,
        )
    except (DomainError, StaleError) as error:
        messages.error(request, error.message)
    except PermissionDenied as error:
        raise Http404 from error
    else:
        messages.success(request, _("Linked to the CAPA form %(capa)s.") % {"capa": capa.number})
    return redirect(feedback)
