"""A CAPA form's moves and who may do what to it. The move tables: ``CAPA_MOVES`` (which moves), with what each
does to the linked feedbacks' deadlines (``CAPA_MOVE_EFFECTS``) and whom it tells (``CAPA_MOVE_NOTICES``), all
carried out by ``services._common._capa_move``; a measure's moves (``MEASURE_MOVES``, ``services._common.measure_move``).

Each ``why_not_*`` returns ``None`` when the action is allowed, otherwise the (translated) reason; services raise it
as a DomainError, pages hide the button.

Visibility comes first (``selectors.capa_visible_to``: not visible → 404); these rules are about a CAPA form the
user can see."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.selectors import department_heads
from feedback.models import Assignment, Feedback, Status
from feedback.workflow import MoveEffects, quality_recipients
from notifications.declared import MoveNotice
from sla.models import ClockKind

from .models import Capa, CapaStatus, EffectVerification, Measure

# The moves a CAPA form may make; ``services._common._capa_move`` refuses anything else.
CAPA_MOVES: dict[str, frozenset[str]] = {
    CapaStatus.DRAFT: frozenset({CapaStatus.SUBMITTED}),
    CapaStatus.SUBMITTED: frozenset({CapaStatus.IN_PROGRESS, CapaStatus.RETURNED}),
    CapaStatus.RETURNED: frozenset({CapaStatus.SUBMITTED}),
    CapaStatus.IN_PROGRESS: frozenset({CapaStatus.PENDING_VERIFICATION}),
    CapaStatus.PENDING_VERIFICATION: frozenset({CapaStatus.EFFECTIVE, CapaStatus.RETURNED}),
    CapaStatus.EFFECTIVE: frozenset(),
}
PLANNING_STATUSES = frozenset({CapaStatus.DRAFT, CapaStatus.RETURNED})


# (from, to) → what the move does to the deadlines of the form's linked feedbacks (``_capa_move`` carries it out; the
# measures' own deadlines start when the form is accepted, ``services.review``, and stop with each measure's move).
CAPA_MOVE_EFFECTS: dict[tuple[str, str], MoveEffects] = {
    # submitted: the lead department's time to its CAPA form is over, met or missed
    **{
        (planning, CapaStatus.SUBMITTED): MoveEffects(stop=(ClockKind.CAPA_FORM,))
        for planning in PLANNING_STATUSES
    },
    # every measure implemented: quality's time to verify the effect starts
    (CapaStatus.IN_PROGRESS, CapaStatus.PENDING_VERIFICATION): MoveEffects(
        start=(ClockKind.EFFECT_VERIFICATION,)
    ),
    # verified effective: the effect verification is done
    (CapaStatus.PENDING_VERIFICATION, CapaStatus.EFFECTIVE): MoveEffects(
        stop=(ClockKind.EFFECT_VERIFICATION,)
    ),
    # not effective: verification done, and the department has the CAPA-form time again for the next round
    (CapaStatus.PENDING_VERIFICATION, CapaStatus.RETURNED): MoveEffects(
        stop=(ClockKind.EFFECT_VERIFICATION,), start=(ClockKind.CAPA_FORM,)
    ),
}


def capa_url(capa: Capa) -> str:
    return reverse("corrective_actions:detail", kwargs={"number": capa.number})


def lead_department_people(capa: Capa) -> list[User]:
    """The owners in the lead department of the form's feedbacks, and that department's heads."""
    owners = list(
        User.objects.filter(
            pk__in=Assignment.objects.filter(
                feedback__capa=capa, department_id=capa.lead_department_id
            ).values("owner_id"),
            is_active=True,
        )
    )
    return owners + department_heads([capa.lead_department_id])


def _first_feedback(move):
    return move.feedbacks[0] if move.feedbacks else None


def _url(move) -> str:
    return capa_url(move.capa)


_RETURNED_TO_LEAD = {
    "kind": "capa_returned",
    "recipients": lambda m: lead_department_people(m.capa),
    "url": _url,
    "feedback": _first_feedback,
}
# (from, to) → the notices of the move, sent by ``services._common._capa_move`` once the form is saved. The move
# carries the form (``capa``), the ``actor``, its linked ``feedbacks`` and what the step adds (the ``comment`` of a
# review, the accepted round's ``measures`` and the ``clock_feedback`` they hang on, the ``verification``).
CAPA_MOVE_NOTICES: dict[tuple[str, str], tuple[MoveNotice, ...]] = {
    **{
        (planning, CapaStatus.SUBMITTED): (
            MoveNotice(
                kind="capa_submitted",
                subject=gettext_lazy("CAPA form %(capa)s submitted for review"),
                body=gettext_lazy("%(capa)s “%(title)s” (%(department)s) awaits your review."),
                recipients=lambda m: quality_recipients(m.feedbacks),
                params=lambda m: {
                    "capa": m.capa.number,
                    "title": m.capa.title,
                    "department": m.capa.lead_department.name,
                },
                url=_url,
                feedback=_first_feedback,
            ),
        )
        for planning in PLANNING_STATUSES
    },
    (CapaStatus.SUBMITTED, CapaStatus.RETURNED): (
        MoveNotice(
            subject=gettext_lazy("CAPA form %(capa)s returned for rework"),
            body=gettext_lazy("Quality's comment: %(comment)s"),
            params=lambda m: {"capa": m.capa.number, "comment": m.comment},
            **_RETURNED_TO_LEAD,
        ),
    ),
    (CapaStatus.SUBMITTED, CapaStatus.IN_PROGRESS): (
        MoveNotice(
            kind="measure_assigned",
            subject=gettext_lazy("CAPA form %(capa)s accepted: your measures start now"),
            body=gettext_lazy("Measures and planned dates: %(measures)s"),
            recipients=lambda m: [measure.owner for measure in m.measures],
            params=lambda m: {
                "capa": m.capa.number,
                "measures": "; ".join(f"{measure.planned_date:%Y-%m-%d} {measure}" for measure in m.measures),
            },
            url=_url,
            feedback=lambda m: m.clock_feedback,
        ),
    ),
    (CapaStatus.IN_PROGRESS, CapaStatus.PENDING_VERIFICATION): (
        MoveNotice(
            kind="effect_verification_due",
            subject=gettext_lazy("CAPA form %(capa)s: every measure implemented, verify the effect"),
            body=gettext_lazy("%(capa)s “%(title)s”: record the effect verification."),
            recipients=lambda m: quality_recipients(m.feedbacks),
            params=lambda m: {"capa": m.capa.number, "title": m.capa.title},
            url=_url,
            feedback=_first_feedback,
            exclude_actor=False,
        ),
    ),
    (CapaStatus.PENDING_VERIFICATION, CapaStatus.RETURNED): (
        MoveNotice(
            subject=gettext_lazy(
                "CAPA form %(capa)s: effect %(result)s, plan new measures (round %(round)s)"
            ),
            body=gettext_lazy("Quality's finding: %(note)s"),
            params=lambda m: {
                "capa": m.capa.number,
                "result": EffectVerification.Result(m.verification.result).label,
                "round": m.capa.round,
                "note": m.verification.note,
            },
            **_RETURNED_TO_LEAD,
        ),
    ),
}
# A measure's moves (services._common.measure_move is the one function that changes its state). Completed and
# withdrawn are final; each stops the measure's deadline (at the end of the completion date, at the latest now; at
# the withdrawal). Accepting the form starts the deadlines of its round's measures (services.review).
MEASURE_MOVES: dict[str, frozenset[str]] = {
    Measure.State.PLANNED: frozenset(
        {Measure.State.IN_PROGRESS, Measure.State.COMPLETED, Measure.State.WITHDRAWN}
    ),
    Measure.State.IN_PROGRESS: frozenset({Measure.State.COMPLETED, Measure.State.WITHDRAWN}),
    Measure.State.COMPLETED: frozenset(),
    Measure.State.WITHDRAWN: frozenset(),
}
MEASURE_MOVE_STOPS_CLOCK = frozenset({Measure.State.COMPLETED, Measure.State.WITHDRAWN})


def _status_label(capa: Capa) -> str:
    return str(CapaStatus(capa.status).label)


def _in_lead_department(user: User, capa: Capa) -> bool:
    return bool(user.department_id) and user.department_id == capa.lead_department_id


def writes_for(user: User, lead_department_id: int) -> bool:
    """The members and the head of the lead department write its CAPA form."""
    return user.has_perm("corrective_actions.write_capa") and user.department_id == lead_department_id


def can_create(user: User, feedback: Feedback) -> bool:
    """Open the CAPA form of an assigned feedback that has none yet: its lead department (the services check
    again on submit)."""
    if feedback.status != Status.ASSIGNED or feedback.capa_id:
        return False
    lead = next((a for a in feedback.assignments.all() if a.is_lead), None)
    return lead is not None and writes_for(user, lead.department_id)


def why_not_write(user: User, capa: Capa) -> str | None:
    """Edit the form and plan measures (lead department members and heads, while planning)."""
    if not writes_for(user, capa.lead_department_id):
        return _("Only the lead department (%(department)s) writes this CAPA form.") % {
            "department": capa.lead_department
        }
    if capa.status not in PLANNING_STATUSES:
        return _("The CAPA form is “%(status)s”: it can be changed only while it is written or returned.") % {
            "status": _status_label(capa)
        }
    return None


def why_not_submit(user: User, capa: Capa) -> str | None:
    if not (user.has_perm("corrective_actions.approve_capa") and _in_lead_department(user, capa)):
        return _("Only the head of %(department)s submits this CAPA form.") % {
            "department": capa.lead_department
        }
    if capa.status not in PLANNING_STATUSES:
        return _("The CAPA form is “%(status)s”: only a form being written or returned can be submitted.") % {
            "status": _status_label(capa)
        }
    return None


def why_not_review(user: User, capa: Capa) -> str | None:
    if not user.has_perm("corrective_actions.review_capa"):
        return _("Only a quality engineer accepts or returns a CAPA form.")
    if capa.status != CapaStatus.SUBMITTED:
        return _("The CAPA form is “%(status)s”: only a submitted form can be reviewed.") % {
            "status": _status_label(capa)
        }
    return None


def why_not_verify_effect(user: User, capa: Capa) -> str | None:
    if not user.has_perm("corrective_actions.verify_effect"):
        return _("Only a quality engineer records the effect verification.")
    if capa.status != CapaStatus.PENDING_VERIFICATION:
        return _(
            "The CAPA form is “%(status)s”: the effect is verified after every measure has been implemented."
        ) % {"status": _status_label(capa)}
    return None


def why_not_link(user: User, capa: Capa) -> str | None:
    if not user.has_perm("feedback.verify_feedback"):
        return _("Only a quality engineer links feedback to a CAPA form.")
    return None


def why_not_update_measure(user: User, measure: Measure) -> str | None:
    """Progress and completion: the measure's owner, or the lead department, while the measures are executed."""
    capa = measure.capa
    if not user.has_perm("corrective_actions.update_measure") or not (
        measure.owner_id == user.pk or _in_lead_department(user, capa)
    ):
        return _("Only the owner of this measure (%(owner)s) or the lead department updates it.") % {
            "owner": measure.owner
        }
    if capa.status != CapaStatus.IN_PROGRESS:
        return _("The CAPA form is “%(status)s”: measures are updated once the form has been accepted.") % {
            "status": _status_label(capa)
        }
    if measure.state == Measure.State.WITHDRAWN:
        return _("This measure was withdrawn.")
    if measure.state == Measure.State.COMPLETED:
        return _("This measure is already completed.")
    return None


def why_not_edit_measure(user: User, measure: Measure) -> str | None:
    """Change the plan of a measure: only while planning, only a measure of the current round."""
    reason = why_not_write(user, measure.capa)
    if reason:
        return reason
    if measure.round != measure.capa.round:
        return _("This measure belongs to round %(round)s, which is closed: plan a new measure instead.") % {
            "round": measure.round
        }
    if measure.state == Measure.State.WITHDRAWN:
        return _("This measure was withdrawn.")
    return None


def why_not_withdraw_measure(user: User, measure: Measure) -> str | None:
    """Withdraw (never delete): while planning, the lead department; once accepted, only its head."""
    capa = measure.capa
    if measure.state == Measure.State.WITHDRAWN:
        return _("This measure was already withdrawn.")
    if measure.state == Measure.State.COMPLETED:
        return _("A completed measure cannot be withdrawn.")
    if capa.status in PLANNING_STATUSES:
        return why_not_write(user, capa)
    if capa.status == CapaStatus.IN_PROGRESS:
        if user.has_perm("corrective_actions.approve_capa") and _in_lead_department(user, capa):
            return None
        return _("Once the form is accepted, only the head of %(department)s withdraws a measure.") % {
            "department": capa.lead_department
        }
    return _("The CAPA form is “%(status)s”: its measures can no longer be withdrawn.") % {
        "status": _status_label(capa)
    }
