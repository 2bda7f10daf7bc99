"""The intake inbox page (customer service): drafts waiting for an owner, mailbox messages waiting for a person."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.downloads import file_response

from . import inbox
from .forms import HandledForm
from .mailbox import mail_handled
from .models import MailMessage

LIMIT = 100


def _customer_service_only(request: HttpRequest) -> None:
    if not inbox.can_use_inbox(request.user):
        raise Http404


@login_required
@require_GET
def inbox_page(request: HttpRequest) -> HttpResponse:
    _customer_service_only(request)
    drafts = inbox.drafts_waiting()
    mail = inbox.mail_waiting()
    context = {
        "drafts": drafts[:LIMIT],
        "drafts_total": drafts.count(),
        "mail": mail[:LIMIT],
        "mail_total": mail.count(),
        "handled_form": HandledForm(),
    }
    return render(request, "intake/inbox.html", context)


@login_required
@require_POST
def draft_take(request: HttpRequest, number: str) -> HttpResponse:
    _customer_service_only(request)
    feedback = get_object_or_404(inbox.drafts_waiting(), number=number)
    try:
        inbox.draft_take(feedback=feedback, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("intake:inbox")
    messages.success(request, _("%(number)s is yours now: complete the registration.") % {"number": number})
    return redirect("feedback:edit", number=number)


@login_required
@require_GET
def mail_raw(request: HttpRequest, pk: int) -> FileResponse:
    _customer_service_only(request)
    message = get_object_or_404(MailMessage, pk=pk)
    if not message.raw:
        raise Http404
    return file_response(
        message.raw.open("rb"), filename=f"message-{message.pk}.eml", content_type="message/rfc822"
    )


@login_required
@require_POST
def mail_mark_handled(request: HttpRequest, pk: int) -> HttpResponse:
    _customer_service_only(request)
    message = get_object_or_404(MailMessage, pk=pk)
    form = HandledForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done with the message."))
        return redirect("intake:inbox")
    try:
        mail_handled(message=message, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Message marked as handled."))
    return redirect("intake:inbox")
