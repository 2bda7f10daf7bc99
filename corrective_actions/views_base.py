"""What the CAPA pages share: the form page, the POST handling of an action, the way back to the form."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import User
from core.action_views import ActionPage, action_handle

from .models import Capa, Measure


def _acting(request: HttpRequest, cd: dict, record) -> dict:
    """What a service call from a page takes besides its fields: the requesting user, and the version of ``record``
    the form was opened on (its current one when the form did not carry it)."""
    return {"actor": request.user, "expected_version": cd.get("version") or record.version}


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
    """A CAPA action page (``core.action_views``): GET the form, or why it is not offered (``why_not`` of the
    measure, else of the form); POST the service, its errors on the form, a stale form refused with a message and
    shown again on the current state."""
    page = {
        "capa": capa,
        "title": title,
        "measure": measure,
        "multipart": multipart,
        "danger": danger,
        "intro": intro,
    }

    def reload(_capa: Capa) -> Capa:
        capa.refresh_from_db()
        if measure is not None:
            measure.refresh_from_db()
            measure.capa = capa
        return capa

    return action_handle(
        request,
        capa,
        page=ActionPage(
            form=lambda _capa, *data: form_factory(*data),
            why_not=lambda _capa: why_not(request.user, measure or capa),
            render=lambda _capa, form, blocked, status: _form_page(
                request, page, form=form, blocked=blocked, status=status
            ),
            reload=reload,
            done=_detail,
        ),
        perform=lambda _capa, form: perform(form.cleaned_data),
    )
