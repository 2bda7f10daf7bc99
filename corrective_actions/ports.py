"""What a CAPA form's moves do to the feedbacks it resolves, and who provides it.

corrective_actions sits below quality_loop (docs/architecture.md) and does not import it. When a form is accepted,
verified effective, or its short-term measures handle the customer's problem, the feedbacks it covers follow; the
quality loop provides those steps at start-up (``quality_loop/apps.py`` → ``quality_loop/capa_effects.py``), and the
CAPA services call them inside their own transaction, through ``linked_feedbacks()``."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class LinkedFeedbacks(Protocol):
    def capa_accepted(self, *, capa, actor) -> None:
        """The form was accepted: the feedbacks it resolves are “measures in progress”."""

    def capa_effective(self, *, capa, actor, at: dt.datetime) -> None:
        """The form was verified effective: the customer's problem is handled, the feedbacks await closing."""

    def problem_handled(self, *, feedback, actor, at: dt.datetime) -> None:
        """The form's short-term measures are done: the customer's problem is handled (the callback opens)."""


_provider: LinkedFeedbacks | None = None


def provide(provider: LinkedFeedbacks) -> None:
    global _provider
    _provider = provider


def linked_feedbacks() -> LinkedFeedbacks:
    if _provider is None:
        raise ImproperlyConfigured("no app provides corrective_actions.ports: is 'quality_loop' installed?")
    return _provider
