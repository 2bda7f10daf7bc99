"""The administrator's robot pages: list, add, edit (with routing rules), delivery log, test message, re-send.
Anyone else gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .forms_robots import RobotForm, RuleFormSet
from .models import Robot, RobotMessage
from .robot_outbox import robot_message_retry, robot_test_message
from .selectors import can_manage_robots, robot_messages, robots_with_delivery


def _admin_only(request: HttpRequest) -> None:
    if not can_manage_robots(request.user):
        raise Http404


@login_required
@require_GET
def robot_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return render(request, "notifications/robots/list.html", {"robots": robots_with_delivery()})


def _edit_page(request: HttpRequest, robot: Robot | None) -> HttpResponse:
    instance = robot or Robot(created_by=request.user)
    form = RobotForm(request.POST if request.method == "POST" else None, instance=instance)
    rules = RuleFormSet(request.POST if request.method == "POST" else None, instance=instance, prefix="rules")
    if request.method == "POST":
        if form.is_valid() and rules.is_valid():
            with transaction.atomic():
                saved = form.save()
                rules.instance = saved
                rules.save()
            messages.success(request, _("Robot “%(name)s” saved.") % {"name": saved.name})
            return redirect("notifications:robot_detail", pk=saved.pk)
        messages.error(
            request, _("The form has errors; nothing was saved. Please check the fields marked below.")
        )
    context = {"form": form, "rules": rules, "robot": robot}
    return render(
        request,
        "notifications/robots/form.html",
        context,
        status=400 if form.errors or rules.total_error_count() else 200,
    )


@login_required
def robot_create(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return _edit_page(request, None)


@login_required
def robot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    return _edit_page(request, get_object_or_404(Robot, pk=pk))


@login_required
@require_GET
def robot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    robot = get_object_or_404(robots_with_delivery(), pk=pk)
    context = {"robot": robot, "log": robot_messages(robot)}
    template = (
        "notifications/robots/_log.html"
        if request.headers.get("HX-Request")
        else "notifications/robots/detail.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    robot = get_object_or_404(Robot, pk=pk)
    if not robot.is_active:
        messages.error(request, _("The robot is switched off: switch it on to send a test message."))
    else:
        robot_test_message(robot=robot, actor=request.user)
        messages.info(request, _("Test message queued; its delivery shows in the log below."))
    return redirect("notifications:robot_detail", pk=robot.pk)


@login_required
@require_POST
def robot_message_resend(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    _admin_only(request)
    message = get_object_or_404(RobotMessage, pk=message_id, robot_id=pk)
    robot_message_retry(message=message)
    messages.info(request, _("The message will be sent again."))
    return redirect("notifications:robot_detail", pk=pk)
