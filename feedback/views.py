"""Registration pages: list, detail, register, edit, void, attachment download. Thin: rules are in services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.downloads import file_response
from core.errors import DomainError

from . import attachments as files
from . import services
from .filters import FeedbackFilter, drill_filter_chips, filter_error_list
from .forms import RegistrationForm, VoidForm
from .models import Feedback, Status, StoredFile
from .privacy import contact_for
from .selectors import feedback_get_visible, feedback_list_rows, feedback_visible_to
from .selectors_paging import EstimatingPaginator

PAGE_SIZE = 25
# what a row of the list shows (feedback.templatetags.feedback_tags.feedback_rows), and nothing more
LIST_ROW_FIELDS = (
    "number",
    "status",
    "severity",
    "customer_name",
    "contact_phone",
    "channel",
    "feedback_time",
    "registered_at",
    "registration_due_at",
    "product_model__code",
    "product_model__name",
    "cs_owner__username",
    "cs_owner__first_name",
    "cs_owner__last_name",
    "cs_owner__name",
)


@login_required
@require_safe
def feedback_list(request: HttpRequest) -> HttpResponse:
    qs = feedback_visible_to(request.user)
    filterset = FeedbackFilter(request.GET or None, queryset=qs, request=request)
    invalid = filterset.is_bound and not filterset.is_valid()
    # A filter value the list does not know (an id that names nothing, a mistyped choice) is said, and nothing is
    # listed: the whole list under a filter the reader believes applied would be a wrong count.
    filtered = qs.none() if invalid else (filterset.qs if filterset.is_bound else qs)
    if not request.GET.getlist("status"):
        filtered = filtered.exclude(status=Status.VOIDED)
    rows_qs = filtered.select_related(None).select_related("product_model", "cs_owner").only(*LIST_ROW_FIELDS)
    page = EstimatingPaginator(rows_qs.order_by("-feedback_time", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = feedback_list_rows(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "filter_errors": filter_error_list(filterset) if invalid else [],
        "drill_filters": drill_filter_chips(filterset),
    }
    template = (
        "feedback/partials/list_results.html" if request.headers.get("HX-Request") else "feedback/list.html"
    )
    return render(request, template, context)


def _stash_uploads(request: HttpRequest, form: RegistrationForm) -> list[files.StashedFile]:
    """Keep every acceptable file of a form that is shown again, so nothing has to be picked twice."""
    kept = [
        s
        for token in request.POST.getlist("stashed")
        if (s := files.stash_get(token, user_id=request.user.pk))
    ]
    for upload in request.FILES.getlist("attachments"):
        try:
            files.detect(upload)
        except ValidationError:
            continue
        kept.append(files.stash_put(upload, user_id=request.user.pk))
    return kept


def _save_registration(request: HttpRequest, form: RegistrationForm, feedback: Feedback | None):
    complete = request.POST.get("action") == "register"
    stashed = [
        (token, upload)
        for token in request.POST.getlist("stashed")
        if (upload := files.stash_take(token, user_id=request.user.pk)) is not None
    ]
    uploads = [*(form.cleaned_data.get("attachments") or []), *(upload for _token, upload in stashed)]
    try:
        if feedback is None:
            saved = services.feedback_register(
                actor=request.user, data=form.registration_data(), complete=complete, uploads=uploads
            )
        else:
            saved = services.feedback_update_registration(
                feedback=feedback,
                actor=request.user,
                data=form.registration_data(),
                expected_version=int(request.POST.get("version") or 0),
                complete=complete,
                uploads=uploads,
            )
    finally:
        for _token, upload in stashed:
            upload.close()
    for token, _upload in stashed:
        files.stash_drop(token)
    return saved, complete


def _add_registration_errors(request: HttpRequest, form: RegistrationForm, feedback: Feedback | None) -> None:
    """A form refused for one field (a bad file, say) also names what else is missing, so the user fixes
    everything in one go instead of discovering the next problem on the next try."""
    data = form.registration_data()
    if feedback is not None:
        data = {f: getattr(feedback, f) for f in services.REGISTRATION_FIELDS} | data
    errors = services.registration_check(
        feedback=feedback, data=data, complete=request.POST.get("action") == "register"
    )
    for field, messages_ in errors.items():
        if field in form.fields and field not in form.errors:
            for message in messages_:
                form.add_error(field, message)


def _registration_page(request: HttpRequest, feedback: Feedback | None) -> HttpResponse:
    # Bound on every POST, an empty one included (an empty QueryDict is falsy: ``request.POST or None`` would
    # leave the form unbound and the page without its errors).
    posted = request.method == "POST"
    form = RegistrationForm(
        request.POST if posted else None, request.FILES if posted else None, instance=feedback
    )
    stashed: list[files.StashedFile] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                saved, complete = _save_registration(request, form, feedback)
            except ValidationError as exc:
                form.add_service_errors(
                    exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                if complete:
                    messages.success(request, _("Feedback %(number)s registered.") % {"number": saved.number})
                else:
                    messages.info(
                        request,
                        _("Draft %(number)s saved. Complete it when the missing details are in.")
                        % {"number": saved.number},
                    )
                return redirect(saved)
        else:
            _add_registration_errors(request, form, feedback)
        stashed = _stash_uploads(request, form)
        form.add_error(
            None, _("The form has errors; nothing was saved. Please check the fields marked below.")
        )
        form.mark_invalid()
    if feedback is not None:  # the form holds the customer's contact in full: only customer service edits it
        contact_for(request, feedback, where="registration form")
    context = {"form": form, "feedback": feedback, "stashed": stashed}
    return render(request, "feedback/form.html", context, status=400 if form.errors else 200)


@login_required
def feedback_create(request: HttpRequest) -> HttpResponse:
    if not services.can_register(request.user):
        raise PermissionDenied
    return _registration_page(request, None)


@login_required
def feedback_edit(request: HttpRequest, number: str) -> HttpResponse:
    feedback = feedback_get_visible(request.user, number)
    if not services.can_edit_registration(request.user, feedback):
        raise Http404
    return _registration_page(request, feedback)


@login_required
@require_POST
def feedback_void(request: HttpRequest, number: str) -> HttpResponse:
    feedback = feedback_get_visible(request.user, number)
    if not services.can_void(request.user, feedback):
        raise Http404
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_void(
                feedback=feedback, actor=request.user, reason=form.cleaned_data["void_reason"]
            )
        except (ValidationError, DomainError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Feedback %(number)s voided.") % {"number": feedback.number})
    else:
        messages.error(request, _("Give the reason for voiding this feedback."))
    return redirect(feedback)


@login_required
@require_safe
def attachment_download(request: HttpRequest, number: str, attachment_id: str) -> FileResponse:
    feedback = feedback_get_visible(request.user, number)
    return stored_file_response(request, get_object_or_404(feedback.attachments, pk=attachment_id))


def stored_file_response(request: HttpRequest, stored: StoredFile) -> FileResponse:
    """An uploaded file (a feedback's or a CAPA form's): shown in the browser when it can (images, video, audio,
    PDF) unless ``?download=1``, downloaded otherwise; kept in the user's own browser cache only."""
    response = file_response(
        stored.file.open("rb"),
        as_attachment=stored.kind not in files.INLINE_KINDS or request.GET.get("download") == "1",
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
