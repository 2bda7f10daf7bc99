"""Reads of the quality loop: one feedback with everything its detail page and loop panel show."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404

from accounts.models import User
from corrective_actions.models import Measure
from corrective_actions.selectors import capa_visible_to
from feedback.models import Assignment, Attachment, CallbackAttempt, CommunicationLog, Feedback, Pause
from feedback.selectors import feedback_visible_to

# --- the relations the lifecycle rules read ---------------------------------------------------------------------
# The rules (quality_loop.lifecycle, quality_loop.contacts, the panel) read a feedback's verification, callback, pauses,
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


def feedback_get_for_detail(user: User, number: str) -> Feedback:
    """``feedback_get_visible`` with everything the detail page and its lifecycle panel show, in a fixed number
    of queries whatever the number of attachments, contacts, measures or call attempts.

    Two answers of the panel ride along in the record's own query, so that they cost no query of their own:
    ``capa_visible`` (may ``user`` open the linked CAPA form: ``capa_visible_to``, the access function, as a
    sub-select) and ``duplicate_numbers`` (the numbers of the feedbacks closed as duplicates of this one)."""
    qs = feedback_visible_to(user).annotate(
        capa_visible=Exists(capa_visible_to(user).filter(pk=OuterRef("capa_id"))),
        duplicate_numbers=ArraySubquery(
            Feedback.objects.filter(duplicate_of=OuterRef("pk"))
            .order_by("-feedback_time", "-id")
            .values("number")
        ),
    )
    qs = qs.select_related(
        "registered_by",
        "quality_owner",
        "fault_phenomenon",
        "emergency_started_by",
        "capa__lead_department",
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
