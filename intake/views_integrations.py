"""The administrator's integration pages: list, add (the token is shown once), edit, issue and revoke tokens.
Anyone else gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import integrations as services
from .forms import IntegrationForm
from .models import Integration, IntegrationToken

NEW_TOKEN_SESSION_KEY = "intake_new_token"


def _admin_only(request: HttpRequest) -> None:
    if not services.can_manage_integrations(request.user):
        raise Http404


def _integrations():
    return Integration.objects.select_related("default_owner", "service_user").annotate(
        live_tokens=Count("tokens", filter=Q(tokens__revoked_at__isnull=True), distinct=True),
        last_used=Max("tokens__last_used_at"),
        feedback_count=Count("service_user__registered_feedbacks", distinct=True),
    )


def _show_token_once(request: HttpRequest, integration: Integration, token: str) -> None:
    request.session[NEW_TOKEN_SESSION_KEY] = {"integration": integration.pk, "token": token}


@login_required
@require_GET
def integration_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return render(
        request, "intake/integrations/list.html", {"integrations": _integrations().order_by("name")}
    )


@login_required
def integration_create(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = IntegrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            integration, token = services.integration_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            _show_token_once(request, integration, token)
            return redirect("intake:integration_detail", pk=integration.pk)
    return render(
        request, "intake/integrations/form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def integration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    integration = get_object_or_404(_integrations(), pk=pk)
    shown = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    new_token = shown["token"] if shown and shown.get("integration") == integration.pk else None
    form = IntegrationForm(
        request.POST if request.method == "POST" else None,
        editing=True,
        initial={
            "name": integration.name,
            "channel": integration.channel,
            "description": integration.description,
            "default_owner": integration.default_owner,
            "rate_per_minute": integration.rate_per_minute,
            "is_active": integration.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "name"}
        try:
            services.integration_update(integration=integration, actor=request.user, **data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Integration “%(name)s” saved.") % {"name": integration.name})
            return redirect("intake:integration_detail", pk=integration.pk)
    context = {
        "integration": integration,
        "tokens": integration.tokens.select_related("created_by", "revoked_by"),
        "new_token": new_token,
        "form": form,
    }
    return render(request, "intake/integrations/detail.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def token_issue(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    integration = get_object_or_404(Integration, pk=pk, kind=Integration.Kind.API)
    _show_token_once(request, integration, services.token_issue(integration=integration, actor=request.user))
    return redirect("intake:integration_detail", pk=integration.pk)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int, token_id: int) -> HttpResponse:
    _admin_only(request)
    token = get_object_or_404(IntegrationToken, pk=token_id, integration_id=pk)
    services.token_revoke(token=token, actor=request.user)
    messages.success(
        request, _("Token %(prefix)s… revoked: it is refused from now on.") % {"prefix": token.prefix}
    )
    return redirect("intake:integration_detail", pk=pk)
