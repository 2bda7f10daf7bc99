"""The rounds of a CAPA form as a timeline (a selector): what happened in each round, who did it, when.

A round is: the lead department's head submits (again after a return), quality accepts or returns, every measure
is implemented, quality verifies the effect (无效 / 需进一步优化 opens the next round). Reviews and effect
verifications carry their round; submissions and "every measure implemented" are read from the form's history
(django-simple-history keeps each save with the round it was in). Four queries whatever the number of rounds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import Capa, CapaStatus, EffectVerification


@dataclass(frozen=True)
class Step:
    kind: str  # submitted, review, implemented, effect
    label: object
    at: dt.datetime
    who: object = None
    outcome: str = ""  # accepted / returned, effective / ineffective / needs_work
    note: str = ""
    verification: EffectVerification | None = None


@dataclass
class Round:
    number: int
    steps: list[Step] = field(default_factory=list)


def _saves_entering(capa: Capa, status: str, stamp: str):
    """One entry per time the form entered ``status`` (history rows with the same timestamp are one event)."""
    seen = set()
    rows = (
        capa.history.filter(status=status)
        .exclude(**{f"{stamp}__isnull": True})
        .select_related("history_user", "submitted_by")
        .order_by("history_date", "history_id")
    )
    for row in rows:
        key = (row.round, getattr(row, stamp))
        if key not in seen:
            seen.add(key)
            yield row


def capa_timeline(capa: Capa) -> list[Round]:
    rounds: dict[int, Round] = {n: Round(n) for n in range(1, capa.round + 1)}

    def add(number: int, step: Step) -> None:
        rounds.setdefault(number, Round(number)).steps.append(step)

    for row in _saves_entering(capa, CapaStatus.SUBMITTED, "submitted_at"):
        add(
            row.round,
            Step("submitted", _("Submitted"), row.submitted_at, row.submitted_by or row.history_user),
        )
    for row in _saves_entering(capa, CapaStatus.PENDING_VERIFICATION, "implemented_at"):
        add(
            row.round,
            Step("implemented", _("All measures implemented"), row.implemented_at, row.history_user),
        )
    for review in capa.reviews.select_related("reviewed_by"):
        add(
            review.round,
            Step(
                "review",
                review.get_decision_display(),
                review.reviewed_at,
                review.reviewed_by,
                outcome=review.decision,
                note=review.comment,
            ),
        )
    for verification in capa.effect_verifications.select_related("verified_by").prefetch_related(
        "attachments"
    ):
        add(
            verification.round,
            Step(
                "effect",
                verification.get_result_display(),
                verification.verified_at,
                verification.verified_by,
                outcome=verification.result,
                note=verification.note,
                verification=verification,
            ),
        )
    order = {"submitted": 0, "review": 1, "implemented": 2, "effect": 3}
    for r in rounds.values():
        r.steps.sort(key=lambda s: (s.at, order[s.kind]))
    return [rounds[n] for n in sorted(rounds)]
