"""CAPA pages: the list (with the rates), the form's page, writing the form and its measures. Thin: the rules are
in corrective_actions.services / rules. A CAPA form the user may not see is a 404 (capa_visible_to). The steps of
a round (submit, review, effect verification, linking) are in views_steps.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department
from core.errors import DomainError
from feedback.models import Feedback
from feedback.selectors import feedback_get_visible, feedback_visible_to

from . import rules, services
from .forms import (
    CapaForm,
    EffectVerificationForm,
    LinkFeedbackForm,
    MeasureForm,
    MeasureProgressForm,
    ReviewForm,
    SubmitForm,
    WithdrawForm,
)
from .models import CapaStatus, Measure
from .selectors import (
    capa_get_visible,
    capa_list_page,
    capa_measures,
    capa_rates,
    capa_visible_to,
    measure_rates_by_department,
)
from .timeline import capa_timeline
from .views_base import _acting, _detail, _form_page, _handle

# what the root-cause form and the measure form write (their initial values, the service's arguments)
ROOT_CAUSE_FIELDS = ("title", "root_cause_category", "root_cause_analysis")
MEASURE_FIELDS = ("kind", "description", "owner", "planned_date")


def _values(cd: dict, names: tuple[str, ...]) -> dict:
    return {name: cd[name] for name in names}


# --- list and detail ----------------------------------------------------------------------------------------------
@login_required
def capa_list_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("corrective_actions.view_capa"):
        raise Http404
    status = request.GET.get("status", "")
    status = status if status in CapaStatus.values else ""
    department_id = request.GET.get("department")
    department_id = int(department_id) if department_id and department_id.isdigit() else None
    context = {
        "capas": capa_list_page(request.user, status=status, department_id=department_id, limit=200),
        "statuses": CapaStatus.choices,
        "status": status,
        "departments": Department.objects.filter(is_active=True),
        "department_id": department_id,
        "department_rates": (
            measure_rates_by_department() if request.user.has_perm("feedback.view_all_feedback") else None
        ),
    }
    return render(request, "corrective_actions/list.html", context)


@login_required
def capa_detail_view(request: HttpRequest, number: str) -> HttpResponse:
    user = request.user
    capa = get_object_or_404(capa_visible_to(user).select_related("submitted_by"), number=number)
    measures = list(capa_measures(capa).order_by("round", "kind", "planned_date", "id"))
    for m in measures:
        m.can_update = rules.why_not_update_measure(user, m) is None
        m.can_edit = rules.why_not_edit_measure(user, m) is None
        m.can_withdraw = rules.why_not_withdraw_measure(user, m) is None
    rounds: dict[int, list[Measure]] = {}
    for m in measures:
        rounds.setdefault(m.round, []).append(m)
    # only what the reader may see of the feedbacks the form resolves; of the others, how many there are (one query)
    linked = list(
        Feedback.objects.filter(capa=capa)
        .select_related("product_model")
        .annotate(visible=Exists(feedback_visible_to(user).filter(pk=OuterRef("pk"))))
        .order_by("id")
    )
    feedbacks = [f for f in linked if f.visible]
    hidden_feedbacks = len(linked) - len(feedbacks)
    can = {
        "write": rules.why_not_write(user, capa) is None,
        "submit": rules.why_not_submit(user, capa) is None,
        "review": rules.why_not_review(user, capa) is None,
        "verify_effect": rules.why_not_verify_effect(user, capa) is None,
        "link": rules.why_not_link(user, capa) is None and capa.status != CapaStatus.EFFECTIVE,
    }
    context = {
        "capa": capa,
        "rounds": sorted(rounds.items()),
        "timeline": capa_timeline(capa),
        "feedbacks": feedbacks,
        "hidden_feedbacks": hidden_feedbacks,
        "rates": capa_rates(capa),
        "can": can,
        "submission_problems": services.capa_submission_problems(capa) if can["submit"] else [],
        "measure_form": MeasureForm(capa=capa, version=capa.version) if can["write"] else None,
        "submit_form": SubmitForm(version=capa.version),
        "review_form": ReviewForm(version=capa.version) if can["review"] else None,
        "effect_form": EffectVerificationForm(version=capa.version) if can["verify_effect"] else None,
        "link_form": LinkFeedbackForm(version=capa.version) if can["link"] else None,
        "history": capa.history.select_related("history_user").order_by("-history_date")[:50],
    }
    return render(request, "corrective_actions/detail.html", context)


# --- writing -----------------------------------------------------------------------------------------------------
@login_required
def capa_create_view(request: HttpRequest, feedback_number: str) -> HttpResponse:
    feedback = feedback_get_visible(request.user, feedback_number)
    if feedback.capa_id:
        return redirect("corrective_actions:detail", number=feedback.capa.number)
    lead = feedback.assignments.filter(is_lead=True).select_related("department").first()
    blocked = None
    if lead is None or not rules.writes_for(request.user, lead.department_id):
        blocked = _("Only the lead department writes the CAPA form of %(number)s, once it is assigned.") % {
            "number": feedback.number
        }
    initial = {"title": f"{feedback.fault_phenomenon or ''} {feedback.product_model or ''}".strip()}
    form = CapaForm(
        request.POST if request.method == "POST" else None, initial=initial, version=feedback.version
    )
    page = {"feedback": feedback, "title": gettext_lazy("Write the CAPA form")}
    if request.method == "POST" and not blocked:
        if form.is_valid():
            cd = form.cleaned_data
            try:
                capa = services.capa_create(
                    feedback=feedback,
                    **_acting(request, cd, feedback),
                    **_values(cd, ROOT_CAUSE_FIELDS),
                )
            except DomainError as exc:
                form.add_service_errors(exc.field_errors)
                if not exc.field_errors:
                    form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("CAPA form %(capa)s opened: now plan its measures.") % {"capa": capa.number}
                )
                return _detail(capa)
        form.mark_invalid()
        return _form_page(request, page, form=form, blocked=blocked, status=400)
    return _form_page(request, page, form=form, blocked=blocked)


@login_required
def capa_edit_view(request: HttpRequest, number: str) -> HttpResponse:
    capa = capa_get_visible(request.user, number)
    initial = {name: getattr(capa, name) for name in ROOT_CAUSE_FIELDS}

    def perform(cd):
        services.capa_update(
            capa=capa,
            **_acting(request, cd, capa),
            **_values(cd, ROOT_CAUSE_FIELDS),
        )
        return _("Root cause saved.")

    return _handle(
        request,
        capa=capa,
        title=gettext_lazy("Root cause"),
        form_factory=lambda *a: CapaForm(*a, initial=initial, version=capa.version),
        why_not=rules.why_not_write,
        perform=perform,
    )


@login_required
def measure_add_view(request: HttpRequest, number: str) -> HttpResponse:
    capa = capa_get_visible(request.user, number)

    def perform(cd):
        measure = services.measure_add(
            capa=capa,
            **_acting(request, cd, capa),
            **_values(cd, MEASURE_FIELDS),
        )
        return _("Measure planned: %(m)s") % {"m": measure}

    return _handle(
        request,
        capa=capa,
        title=gettext_lazy("Plan a measure"),
        form_factory=lambda *a: MeasureForm(*a, capa=capa, version=capa.version),
        why_not=rules.why_not_write,
        perform=perform,
    )


def _measure(request: HttpRequest, number: str, measure_id: int):
    capa = capa_get_visible(request.user, number)
    measure = get_object_or_404(Measure.objects.select_related("owner"), pk=measure_id, capa=capa)
    measure.capa = capa
    return capa, measure


@login_required
def measure_edit_view(request: HttpRequest, number: str, measure_id: int) -> HttpResponse:
    capa, measure = _measure(request, number, measure_id)
    initial = {**{name: getattr(measure, name) for name in MEASURE_FIELDS}, "owner": measure.owner_id}

    def perform(cd):
        services.measure_edit(
            measure=measure,
            **_acting(request, cd, measure),
            **_values(cd, MEASURE_FIELDS),
        )
        return _("Measure changed.")

    return _handle(
        request,
        capa=capa,
        measure=measure,
        title=gettext_lazy("Change the measure"),
        form_factory=lambda *a: MeasureForm(*a, capa=capa, initial=initial, version=measure.version),
        why_not=rules.why_not_edit_measure,
        perform=perform,
    )


@login_required
def measure_progress_view(request: HttpRequest, number: str, measure_id: int) -> HttpResponse:
    capa, measure = _measure(request, number, measure_id)

    def perform(cd):
        services.measure_progress(
            measure=measure,
            **_acting(request, cd, measure),
            progress_note=cd["progress_note"],
            complete=cd["complete"],
            completed_date=cd["completed_date"],
            uploads=cd.get("files") or [],
        )
        return _("Measure completed.") if cd["complete"] else _("Progress recorded.")

    return _handle(
        request,
        capa=capa,
        measure=measure,
        title=gettext_lazy("Update the measure"),
        form_factory=lambda *a: MeasureProgressForm(*a, version=measure.version),
        why_not=rules.why_not_update_measure,
        perform=perform,
        multipart=True,
    )


@login_required
def measure_withdraw_view(request: HttpRequest, number: str, measure_id: int) -> HttpResponse:
    capa, measure = _measure(request, number, measure_id)

    def perform(cd):
        services.measure_withdraw(
            measure=measure,
            **_acting(request, cd, measure),
            reason=cd["reason"],
        )
        return _("Measure withdrawn; it stays on the form, marked withdrawn.")

    return _handle(
        request,
        capa=capa,
        measure=measure,
        title=gettext_lazy("Withdraw the measure"),
        form_factory=lambda *a: WithdrawForm(*a, version=measure.version),
        why_not=rules.why_not_withdraw_measure,
        perform=perform,
        danger=True,
        intro=gettext_lazy("A withdrawn measure is never deleted: it stays on the form, marked withdrawn."),
    )
