"""The notification pages: a user only ever sees and marks their own notices (anything else is a 404)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .selectors import notifications_for
from .services import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(notifications_for(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "notifications": page.object_list, "unread_only": unread_only},
    )


@login_required
@require_GET
def bell(request):
    """The bell alone, for htmx polling."""
    return render(request, "notifications/bell.html")


@login_required
@require_POST
def notification_open(request, pk: int):
    """Mark the notice read and go where it points."""
    notification = get_object_or_404(notifications_for(request.user), pk=pk)
    notification_mark_read(notification=notification, actor=request.user)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = get_object_or_404(notifications_for(request.user), pk=pk)
    notification_mark_read(notification=notification, actor=request.user)
    if request.headers.get("HX-Request"):
        return render(request, "notifications/_item.html", {"notification": notification, "oob_bell": True})
    return redirect(_back(request))


@login_required
@require_POST
def notification_read_all(request):
    notifications_mark_all_read(actor=request.user)
    return redirect(_back(request))


def _back(request) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("notifications:list")
