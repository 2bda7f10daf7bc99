"""Reads of the quality loop: one feedback with everything its detail page and loop panel show."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404

from accounts.models import User
from corrective_actions.models import Measure
from corrective_actions.selectors import capa_visible_to
from feedback.models import (
    Assignment,
    Attachment,
    Callback,
    CallbackAttempt,
    CommunicationLog,
    Feedback,
    Pause,
    Verification,
)
from feedback.selectors import callback_of, feedback_visible_to, verification_of

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
        capa_visible=Exists(capa_visible_to(user).filter(pk=OuterRef("capa_id")))
    )
    if (
        connection.vendor == "postgresql"
    ):  # ARRAY(sub-select); elsewhere the panel reads them (quality_loop.panel)
        qs = qs.annotate(
            duplicate_numbers=ArraySubquery(
                Feedback.objects.filter(duplicate_of=OuterRef("pk"))
                .order_by("-feedback_time", "-id")
                .values("number")
            )
        )
    # The record's query joins only what is not a person: one query joining a dozen tables costs PostgreSQL more
    # to plan than to run (issue 10). The people it names are mostly already loaded with its relations or are the
    # reader; the others come in one query (_attach_people). A feedback closed as a duplicate reads the original
    # when the page names it.
    qs = qs.select_related("fault_phenomenon", "capa__lead_department", "verification", "callback")
    qs = qs.prefetch_related(
        *RULE_RELATIONS,
        Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
        Prefetch("communications", queryset=CommunicationLog.objects.select_related("created_by")),
    )
    feedback = get_object_or_404(qs, number=number)
    _attach_people(feedback, user)
    return feedback


# The people a feedback's detail names through its own columns and those of its verification and callback.
FEEDBACK_PEOPLE = ("registered_by", "quality_owner", "emergency_started_by", "closed_by", "voided_by")


def _attach_people(feedback: Feedback, reader: User) -> None:
    """Put the users the record, its verification and its callback refer to in place, taking those already loaded
    (the reader, the customer service owner, the people of the loaded relations) and reading the others, if any,
    in one query."""
    known: dict[int, User] = {}

    def know(*people):
        for person in people:
            if person is not None:
                known[person.pk] = person

    know(getattr(reader, "_wrapped", reader), feedback.cs_owner)
    for a in feedback.assignments.all():
        know(a.owner, a.assigned_by)
    for p in feedback.pauses.all():
        know(p.started_by, p.ended_by)
    for f in feedback.attachments.all():
        know(f.uploaded_by)
    for c in feedback.communications.all():
        know(c.created_by)
    if feedback.capa is not None:
        for m in feedback.capa.measures.all():
            know(m.owner)
    targets = [(feedback, Feedback._meta.get_field(name)) for name in FEEDBACK_PEOPLE]
    if (verification := verification_of(feedback)) is not None:
        targets.append((verification, Verification._meta.get_field("verified_by")))
    if (callback := callback_of(feedback)) is not None:
        targets.append((callback, Callback._meta.get_field("closed_by")))
        for attempt in callback.attempts.all():
            know(attempt.created_by)
    missing = {getattr(obj, fld.attname) for obj, fld in targets} - known.keys() - {None}
    if missing:
        know(*User.objects.filter(pk__in=missing))
    for obj, fld in targets:
        pk = getattr(obj, fld.attname)
        fld.set_cached_value(obj, None if pk is None else known[pk])
