"""Submission by the lead department's head and quality's review (accepted, or returned with a comment)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from sla import services as sla
from sla.models import ClockKind

from .. import ports, rules
from ..models import (
    Capa,
    CapaReview,
    CapaStatus,
    Measure,
)
from ._common import (
    _capa_move,
    _clock_feedback,
    _ensure,
    _linked_feedbacks,
    capa_lock,
)


# --- submission and review ------------------------------------------------------------------------
def capa_submission_problems(capa: Capa, *, today: dt.date | None = None) -> list[str]:
    """What keeps the form from being submitted, each named (empty: it can be submitted)."""
    today = today or timezone.localdate()
    problems: list[str] = []
    if not capa.root_cause_category:
        problems.append(_("Choose the root-cause category."))
    if not capa.root_cause_analysis.strip():
        problems.append(_("Write the root-cause analysis."))
    current = list(capa.measures.filter(round=capa.round).exclude(state=Measure.State.WITHDRAWN))
    if not current:
        if capa.round > 1:
            problems.append(
                _("Round %(round)s needs at least one new measure: the previous measures were not effective.")
                % {"round": capa.round}
            )
        else:
            problems.append(_("Plan at least one measure."))
    for measure in current:
        if measure.planned_date < today:
            problems.append(
                _("The measure “%(m)s” has a planned date in the past (%(date)s): plan a new date.")
                % {"m": measure, "date": measure.planned_date}
            )
    return problems


@transaction.atomic
def capa_submit(*, capa: Capa, actor: User, expected_version: int) -> Capa:
    """The lead department's head submits the form to quality; the CAPA-form clock stops."""
    locked = capa_lock(capa, expected_version=expected_version)
    _ensure(rules.why_not_submit(actor, locked))
    problems = capa_submission_problems(locked)
    if problems:
        raise DomainError(
            _("The CAPA form cannot be submitted yet: %(problems)s") % {"problems": " ".join(problems)}
        )
    now = timezone.now()
    feedbacks = _linked_feedbacks(locked)
    _capa_move(
        locked,
        to_status=CapaStatus.SUBMITTED,
        actor=actor,
        reason=_("Submitted (round %(round)s)") % {"round": locked.round},
        at=now,
        feedbacks=feedbacks,
        changes={"submitted_at": now, "submitted_by": actor},
    )
    return locked


@transaction.atomic
def capa_review(
    *, capa: Capa, actor: User, expected_version: int, decision: str, comment: str = ""
) -> CapaReview:
    """The quality engineer accepts the submitted form (the measures' clocks start) or returns it with a comment."""
    locked = capa_lock(capa, expected_version=expected_version)
    _ensure(rules.why_not_review(actor, locked))
    comment = (comment or "").strip()
    if decision not in CapaReview.Decision.values:
        raise DomainError(_("Accept or return the form."))
    if decision == CapaReview.Decision.RETURNED and not comment:
        raise DomainError(
            _("Say what must change before the form is returned."),
            field_errors={"comment": [_("Say what must change before the form is returned.")]},
        )
    now = timezone.now()
    review = CapaReview(
        capa=locked, round=locked.round, decision=decision, comment=comment, reviewed_by=actor
    )
    review.full_clean()
    review.save()
    if decision == CapaReview.Decision.RETURNED:
        feedbacks = _linked_feedbacks(locked)
        _capa_move(
            locked,
            to_status=CapaStatus.RETURNED,
            actor=actor,
            reason=_("Returned: %(c)s") % {"c": comment},
            at=now,
            feedbacks=feedbacks,
            notice={"comment": comment},
        )
        return review
    clock_feedback = _clock_feedback(locked)
    measures = list(
        locked.measures.select_related("owner").filter(
            round=locked.round, state__in=(Measure.State.PLANNED, Measure.State.IN_PROGRESS)
        )
    )
    _capa_move(
        locked,
        to_status=CapaStatus.IN_PROGRESS,
        actor=actor,
        reason=_("Accepted (round %(round)s)") % {"round": locked.round},
        at=now,
        changes={"accepted_at": now},
        notice={"measures": measures, "clock_feedback": clock_feedback},
    )
    if clock_feedback is not None:
        for measure in measures:
            sla.clock_start(feedback=clock_feedback, kind=ClockKind.MEASURE, start=now, measure=measure)
    ports.linked_feedbacks().capa_accepted(capa=locked, actor=actor)
    return review
