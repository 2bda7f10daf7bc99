"""管理驾驶舱: the management dashboard page. Thin: the figures come from reports.selectors (the same functions as
the API and the workbook), the period from reports.periods.PeriodForm; this view only adds the links.

Every item of every figure carries ``drill``, the feedback list's query parameters that list exactly the records it
counts; the page turns each into ``url`` (the list's address), for the tables' links and the charts' clicks."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts.models import Department
from catalog.models import ProductLine

from . import selectors
from .periods import PeriodForm

# the words of the charts (static/reports/dashboard.js reads them from the page: translated here, like the rest)
CHART_LABELS = {
    "noData": _("No data"),
    "count": _("Count"),
    "share": _("Share"),
    "cumulative": _("Cumulative share"),
    "feedback": _("Feedback"),
    "met": _("Met"),
    "missed": _("Missed"),
    "overdue": _("Overdue"),
    "rate": _("On-time rate"),
    "onTime": _("On time"),
    "late": _("Late"),
    "timeliness": _("Timeliness rate"),
    "satisfied": _("Satisfied"),
    "basic": _("Basically satisfied"),
    "unsatisfied": _("Unsatisfied"),
    "unreachable": _("Unreachable"),
    "satisfactionRate": _("Satisfaction rate"),
    "completionRate": _("Completion rate"),
    "delayRate": _("Delay rate"),
    "firstTime": _("Effective at the first verification"),
    "notFirstTime": _("Effective after further rounds"),
    "clickHint": _("Click to open the feedback list"),
}

PERIOD_MODES = ("month", "preset", "range")


def _is_nested(drill: dict) -> bool:
    """A figure of several counts (met / missed / overdue / total) has one drill per count."""
    return bool(drill) and all(isinstance(v, dict) or v is None for v in drill.values())


def _with_urls(value: Any, list_url: str) -> Any:
    """A copy of ``value`` where every dict that has ``drill`` also has ``url`` (the feedback list filtered by
    it), or ``urls`` (one per count) when its drill is one per count."""

    def url(drill: dict | None) -> str | None:
        return f"{list_url}?{urlencode(drill, doseq=True)}" if drill is not None else None

    if isinstance(value, dict):
        out = {key: _with_urls(item, list_url) for key, item in value.items()}
        drill = value.get("drill")
        if isinstance(drill, dict):
            if _is_nested(drill):
                out["urls"] = {key: url(d) for key, d in drill.items()}
            else:
                out["url"] = url(drill)
        return out
    if isinstance(value, list | tuple):
        return [_with_urls(item, list_url) for item in value]
    return value


def _mode(request: HttpRequest) -> str:
    """Which of the picker's three forms the request came from (the one shown open)."""
    if request.GET.get("month"):
        return "month"
    if request.GET.get("preset"):
        return "preset"
    if request.GET.get("start") or request.GET.get("end"):
        return "range"
    return "month"


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    selectors.scope_for(request.user)  # who may not see the dashboard gets a 404, before anything is read
    form = PeriodForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "mode": _mode(request),
        "figures": None,
        "product_lines": list(ProductLine.objects.order_by("name")),
        "month_value": request.GET.get("month", ""),
    }
    if not form.is_valid():
        return render(request, "reports/dashboard.html", context, status=400)
    period = form.period
    scope = selectors.scope_for(request.user, product_line_id=form.filters["product_line_id"])
    figures = _with_urls(selectors.dashboard(period, scope), reverse("feedback:list"))
    lines = {line.pk: line for line in context["product_lines"]}
    context.update(
        period=period,
        scope=scope,
        figures=figures,
        chart_labels=CHART_LABELS,
        month_value=request.GET.get("month") or f"{period.end:%Y-%m}",
        department=Department.objects.filter(pk=scope.department_id).first() if scope.department_id else None,
        product_line=lines.get(scope.product_line_id),
        backlog_as_of=dt.datetime.fromisoformat(figures["backlog"]["as_of"]),
    )
    return render(request, "reports/dashboard.html", context)
