"""The one action-view framework: a page per action on a record (a feedback, a CAPA form or one of its measures).

- GET: the action's form, or why the user may not take it now (``why_not``; the page then offers no form);
- POST: a valid form calls the service (``perform``, which returns the success message); the service's field
  errors show on the form (400); a form opened on an older version is refused with a message and the page is shown
  again on the current state (409); success: the message and back to the record.

The apps say what their pages look like and what the action does (``quality_loop.views_lifecycle``,
``corrective_actions.views_base``); the forms have ``mark_invalid`` and ``add_service_errors``
(``core.forms.BootstrapMixin``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from .errors import DomainError, StaleError


@dataclass(frozen=True)
class ActionPage:
    """How an app shows one action on ``record``: ``form(record, *data)`` builds the form (unbound without data),
    ``why_not(record)`` says why the user may not take it, ``render(record, form, blocked, status)`` draws the page,
    ``reload(record)`` reads the record again after a stale form, ``done(record)`` is where success leads."""

    form: Callable[..., Any]
    why_not: Callable[[Any], str | None]
    render: Callable[[Any, Any, str | None, int], HttpResponse]
    reload: Callable[[Any], Any]
    done: Callable[[Any], HttpResponse]


def action_handle(
    request: HttpRequest, record, *, page: ActionPage, perform: Callable[[Any, Any], str]
) -> HttpResponse:
    """GET or POST of the action page of ``record``; ``perform(record, form)`` calls the service."""
    blocked = page.why_not(record)
    if request.method != "POST":
        return page.render(record, page.form(record), blocked, 200)
    form = page.form(record, request.POST, request.FILES)
    if not form.is_valid():
        form.mark_invalid()
        return page.render(record, form, blocked, 400)
    try:
        message = perform(record, form)
    except StaleError as exc:
        messages.error(request, exc.message)
        fresh = page.reload(record)
        return page.render(fresh, page.form(fresh), page.why_not(fresh), 409)
    except DomainError as exc:
        form.add_service_errors(exc.field_errors)
        if not exc.field_errors:
            form.add_error(None, exc.message)
        form.mark_invalid()
        return page.render(record, form, blocked, 400)
    messages.success(request, message)
    return page.done(record)
