"""The dealer/store Excel import pages: template, upload, preview (polled while the worker checks), import
(polled while the worker imports), result. Customer service only; another user's import is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import imports
from .excel_template import build_template
from .forms import UploadForm
from .models import ImportBatch, ImportRow

ROWS_PER_PAGE = 100


def _customer_service_only(request: HttpRequest) -> None:
    if not imports.can_import(request.user):
        raise Http404


def _home(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    batches = imports.batches_visible_to(request.user).order_by("-created_at")[:20]
    return render(request, "intake/import/home.html", {"form": form, "batches": batches}, status=status)


@login_required
def import_home(request: HttpRequest) -> HttpResponse:
    _customer_service_only(request)
    if request.method != "POST":
        return _home(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            batch = imports.batch_upload(actor=request.user, upload=form.cleaned_data["workbook"])
        except ValidationError as error:
            form.add_error("workbook", error)
        else:
            return redirect("intake:import_batch", pk=batch.pk)
    return _home(request, form, status=400)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    _customer_service_only(request)
    response = HttpResponse(
        build_template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"售后反馈导入模板-{timezone.localdate():%Y%m%d}.xlsx"
    )
    return response


def _batch_for(request: HttpRequest, pk: int) -> ImportBatch:
    _customer_service_only(request)
    return get_object_or_404(imports.batches_visible_to(request.user), pk=pk)


@login_required
@require_GET
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    tab = request.GET.get("show") or (
        "imported" if batch.state == ImportBatch.State.IMPORTED else "error" if batch.error_rows else "good"
    )
    rows = batch.rows.select_related("feedback").order_by("row_number")
    if tab == "imported":
        rows = rows.filter(feedback__isnull=False)
    elif tab in ImportRow.State.values:
        rows = rows.filter(state=tab)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"batch": batch, "page": page, "tab": tab}
    template = (
        "intake/import/_batch.html" if request.headers.get("HX-Request") else "intake/import/batch.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    try:
        imports.batch_import_start(
            batch=batch, actor=request.user, include_duplicates=request.POST.get("include_duplicates") == "on"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("intake:import_batch", pk=batch.pk)


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    try:
        imports.batch_cancel(batch=batch, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, _("Import cancelled: nothing was imported."))
    return redirect("intake:import_home")
