"""The detail page of one feedback: the registration, its history, and the quality loop's panel."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from feedback import services
from feedback.forms import VoidForm
from feedback.history import feedback_history
from feedback.models import CustomerRequest, Status
from feedback.privacy import contact_for, masked_fields_for
from sla.selectors import clocks_for

from .selectors import feedback_get_for_detail

# The history card shows the newest HISTORY_LINES changes (the page's time must not grow with a long history);
# ``?history=all`` shows every line.
HISTORY_LINES = 50


@login_required
@require_safe
def feedback_detail(request: HttpRequest, number: str) -> HttpResponse:
    feedback = feedback_get_for_detail(request.user, number)
    labels = dict(CustomerRequest.choices)
    whole_history = request.GET.get("history") == "all"
    context = {
        "feedback": feedback,
        "request_labels": [labels.get(code, code) for code in feedback.customer_requests],
        "clocks": clocks_for(feedback),
        "history": feedback_history(
            feedback,
            attachments=feedback.attachments.all(),
            masked=masked_fields_for(request.user),
            limit=None if whole_history else HISTORY_LINES,
        ),
        "contact": contact_for(request, feedback, where="detail page"),
        "can_edit": services.can_edit_registration(request.user, feedback),
        "can_void": services.can_void(request.user, feedback),
        "void_form": VoidForm(initial={"version": feedback.version}),
        "missing": services.registration_errors(
            {f: getattr(feedback, f) for f in services.REGISTRATION_FIELDS}, complete=True
        )
        if feedback.status == Status.DRAFT
        else {},
    }
    return render(request, "feedback/detail.html", context)
