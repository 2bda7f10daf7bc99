"""Reads. ``feedback_visible_to`` is the one place that decides which feedback a user may see."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.roles import Role
from sla.selectors import clocks_by_feedback

from .models import (
    Assignment,
    Callback,
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


def feedback_list_rows(feedbacks: list[Feedback]) -> list[dict]:
    """The list page's rows: each feedback with its running deadlines, in one query for the page."""
    clocks = clocks_by_feedback([f.pk for f in feedbacks])
    return [{"feedback": f, "clocks": clocks.get(f.pk, [])} for f in feedbacks]
