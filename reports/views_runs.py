"""报表中心 (the report centre): every report ever built, newest first; request one for a month or a date range;
its progress without reloading (htmx polls the row); download; retry a failed one.

Quality and management only (reports.services.can_use_reports); for everybody else these pages are not there
(404). The web request never builds a workbook: it records the run, the worker builds it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from catalog.models import ProductLine
from core.downloads import file_response

from . import services
from .forms_runs import ReportRequestForm

RUNS_PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def reports_only(request) -> None:
    """Who may not use the reports sees no such page (the web page's and the API's)."""
    if not services.can_use_reports(request.user):
        raise Http404


def _list(request: HttpRequest, form: ReportRequestForm, status: int = 200) -> HttpResponse:
    runs = services.report_runs_visible_to(request.user).order_by("-created_at", "-id")
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/runs/list.html",
        {"form": form, "page": page, "highlight": request.GET.get("run", "")},
        status=status,
    )


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    reports_only(request)
    if request.method != "POST":
        return _list(request, ReportRequestForm())
    form = ReportRequestForm(request.POST)
    if form.is_valid():
        line_id = form.filters.get("product_line_id")
        product_line = ProductLine.objects.filter(pk=line_id).first() if line_id else None
        try:
            run, created = services.report_request(
                period=form.period, actor=request.user, product_line=product_line
            )
        except PermissionDenied:
            raise Http404 from None
        if created:
            messages.success(request, _("The report was requested: it is built in the background."))
        else:
            messages.info(request, _("This report was already requested: here it is."))
        return redirect(f"{request.path}?run={run.pk}")
    return _list(request, form, status=400)


@login_required
@require_safe
def run_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One run as a table row: what htmx polls while it is queued or running."""
    reports_only(request)
    run = services.report_run_get_visible(request.user, pk)
    return render(request, "reports/runs/_row.html", {"run": run})


def run_file_response(run) -> FileResponse:
    """A built workbook as a download (the page's and the API's); 404 when its file is gone."""
    try:
        handle = run.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return file_response(handle, filename=run.download_name(), content_type=XLSX)


@login_required
@require_safe
def run_download(request: HttpRequest, pk: int) -> FileResponse:
    reports_only(request)
    run = services.report_run_get_visible(request.user, pk)
    if not run.downloadable:
        raise Http404
    response = run_file_response(run)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    reports_only(request)
    run = services.report_run_get_visible(request.user, pk)
    try:
        services.report_retry(run=run, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report is queued again."))
    return redirect(f"{reverse('reports_runs:list')}?run={run.pk}")
