"""管理驾驶舱: the management dashboard page. Thin: the figures come from reports.selectors (the same functions as
the API and the workbook), the period from reports.periods.PeriodForm; this view only adds the links.

Every item of every figure carries ``drill``, the feedback list's query parameters that list exactly the records it
counts; the page turns each into ``url`` (the list's address), for the tables' links and the charts' clicks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from . import selectors
from .periods import PeriodForm

PERIOD_MODES = ("month", "preset", "range")


def _with_urls(value: Any, list_url: str) -> Any:
    """A copy of ``value`` where every dict that has ``drill`` also has ``url``: the feedback list filtered by it."""
    if isinstance(value, dict):
        out = {key: _with_urls(item, list_url) for key, item in value.items()}
        drill = value.get("drill")
        if isinstance(drill, dict):
            out["url"] = f"{list_url}?{urlencode(drill, doseq=True)}"
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
    context: dict[str, Any] = {"form": form, "mode": _mode(request), "figures": None}
    if not form.is_valid():
        return render(request, "reports/dashboard.html", context, status=400)
    period = form.period
    scope = selectors.scope_for(request.user, product_line_id=form.filters["product_line_id"])
    figures = _with_urls(selectors.dashboard(period, scope), reverse("feedback:list"))
    context.update(
        period=period,
        scope=scope,
        figures=figures,
        month_value=request.GET.get("month") or f"{period.end:%Y-%m}",
        today=timezone.localdate(),
    )
    return render(request, "reports/dashboard.html", context)
