"""corrective_actions.ports.LinkedFeedbacks: the feedback side of a CAPA form's moves (quality_loop/apps.py)."""

from __future__ import annotations

from .contacts import feedback_mark_handled
from .lifecycle import feedbacks_capa_accepted, feedbacks_capa_effective


class LoopFeedbacks:
    def capa_accepted(self, *, capa, actor) -> None:
        feedbacks_capa_accepted(capa=capa, actor=actor)

    def capa_effective(self, *, capa, actor, at) -> None:
        feedbacks_capa_effective(capa=capa, actor=actor, at=at)

    def problem_handled(self, *, feedback, actor, at) -> None:
        feedback_mark_handled(feedback=feedback, actor=actor, at=at)
