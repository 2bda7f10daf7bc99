"""Reads. ``feedback_visible_to`` is the one place that decides which feedback a user may see."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.roles import Role
from corrective_actions.models import Measure
from sla.selectors import clocks_by_feedback

from .models import (
    Assignment,
    Attachment,
    Callback,
    CallbackAttempt,
    CommunicationLog,
    Feedback,
    Pause,
    Status,
    Verification,
)


def feedback_visible_to(user: User) -> QuerySet[Feedback]:
    """Every list, detail, download and API view starts here; what is not in it answers 404.

    - management, quality engineers, customer service supervisors and administrators see every feedback; drafts
      are customer service's own work in progress, so only customer service (and administrators) see drafts;
    - a customer service agent sees the feedback they registered or own;
    - department members and heads see the feedback assigned to their department.
    """
    qs = Feedback.objects.select_related("product_model__line", "cs_owner")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    sees_drafts = user.has_perm("feedback.add_feedback") or user.has_role(Role.ADMINISTRATOR)
    if user.has_perm("feedback.view_all_feedback"):
        return qs if sees_drafts else qs.exclude(status=Status.DRAFT)
    visible = Q(pk__in=[])
    if user.has_perm("feedback.add_feedback"):
        visible |= Q(registered_by=user) | Q(cs_owner=user)
    if user.has_perm("feedback.view_department_feedback") and user.department_id:
        assigned = Assignment.objects.filter(feedback=OuterRef("pk"), department_id=user.department_id)
        visible |= Q(Exists(assigned)) & ~Q(status=Status.DRAFT)
    return qs.filter(visible)


def feedback_get_visible(user: User, number: str) -> Feedback:
    """The feedback with this number if ``user`` may see it; Http404 otherwise (not found and forbidden look
    the same)."""
    return get_object_or_404(feedback_visible_to(user), number=number)


# --- the relations the lifecycle rules read ---------------------------------------------------------------------
# The rules (feedback.lifecycle, feedback.contacts, the panel) read a feedback's verification, callback, pauses,
# assignments and CAPA measures through the record's relations: loaded with the record (feedback_get_for_detail)
# they cost no query however many rules ask; on a bare record each costs the one query a rule would make anyway.
CAPA_MEASURES = Prefetch(
    "capa__measures",
    queryset=Measure.objects.select_related("owner").order_by("round", "kind", "planned_date", "id"),
)
RULE_RELATIONS = (
    CAPA_MEASURES,
    Prefetch("callback__attempts", queryset=CallbackAttempt.objects.select_related("created_by")),
    Prefetch("assignments", queryset=Assignment.objects.select_related("department", "owner", "assigned_by")),
    Prefetch("pauses", queryset=Pause.objects.select_related("started_by", "ended_by")),
)


def verification_of(feedback: Feedback) -> Verification | None:
    try:
        return feedback.verification
    except Verification.DoesNotExist:
        return None


def callback_of(feedback: Feedback) -> Callback | None:
    try:
        return feedback.callback
    except Callback.DoesNotExist:
        return None


def open_pause(feedback: Feedback) -> Pause | None:
    """The waiting period still open, if any (at most one: a database constraint)."""
    return next((p for p in feedback.pauses.all() if p.ended_at is None), None)


def feedback_get_for_detail(user: User, number: str) -> Feedback:
    """``feedback_get_visible`` with everything the detail page and its lifecycle panel show, in a fixed number
    of queries whatever the number of attachments, contacts, measures or call attempts."""
    qs = feedback_visible_to(user).select_related(
        "registered_by",
        "quality_owner",
        "fault_phenomenon",
        "emergency_started_by",
        "capa",
        "duplicate_of",
        "closed_by",
        "voided_by",
        "verification__verified_by",
        "callback__closed_by",
    )
    qs = qs.prefetch_related(
        *RULE_RELATIONS,
        Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
        Prefetch("communications", queryset=CommunicationLog.objects.select_related("created_by")),
    )
    return get_object_or_404(qs, number=number)


def feedback_list_rows(feedbacks: list[Feedback]) -> list[dict]:
    """The list page's rows: each feedback with its running deadlines, in one query for the page."""
    clocks = clocks_by_feedback([f.pk for f in feedbacks])
    return [{"feedback": f, "clocks": clocks.get(f.pk, [])} for f in feedbacks]
