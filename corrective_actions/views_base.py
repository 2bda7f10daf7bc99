"""What the CAPA pages share: the form page, the POST handling of an action, the way back to the form."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import User
from core.errors import DomainError, StaleError

from .models import Capa, Measure


def _detail(capa) -> HttpResponse:
    return redirect("corrective_actions:detail", number=capa.number)


def _form_page(
    request: HttpRequest, page: dict, *, form, blocked: str | None, status: int = 200
) -> HttpResponse:
    """One of the form's pages; its form posts back to the page's own URL."""
    context = {**page, "form": form, "blocked": blocked, "action_url": request.path}
    return render(request, "corrective_actions/form.html", context, status=status)


def _handle(
    request: HttpRequest,
    *,
    capa: Capa,
    title,
    form_factory: Callable[..., object],
    why_not: Callable[[User, Capa | Measure], str | None],
    perform: Callable[[dict], str],
    measure: Measure | None = None,
    multipart: bool = False,
    danger: bool = False,
    intro="",
) -> HttpResponse:
    """GET: the form (or why it is not offered: ``why_not`` of the measure, else of the form). POST: the service;
    errors show on the form, a stale form is refused with a message and shown again on the current state."""
    page = {
        "capa": capa,
        "title": title,
        "measure": measure,
        "multipart": multipart,
        "danger": danger,
        "intro": intro,
    }
    blocked = why_not(request.user, measure or capa)
    if request.method != "POST":
        return _form_page(request, page, form=form_factory(), blocked=blocked)
    form = form_factory(request.POST, request.FILES)
    if not form.is_valid():
        form.mark_invalid()
        return _form_page(request, page, form=form, blocked=blocked, status=400)
    try:
        message = perform(form.cleaned_data)
    except StaleError as exc:
        messages.error(request, exc.message)
        capa.refresh_from_db()
        if measure is not None:
            measure.refresh_from_db()
            measure.capa = capa
        blocked = why_not(request.user, measure or capa)
        return _form_page(request, page, form=form_factory(), blocked=blocked, status=409)
    except DomainError as exc:
        form.add_service_errors(exc.field_errors)
        if not exc.field_errors:
            form.add_error(None, exc.message)
        form.mark_invalid()
        return _form_page(request, page, form=form, blocked=blocked, status=400)
    messages.success(request, message)
    return _detail(capa)
