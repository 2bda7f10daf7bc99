"""What the deadlines need from the records they run on, and who provides it.

sla sits below feedback and corrective_actions (docs/architecture.md) and imports neither. The little it must know
of a feedback (whether it waits for the customer, where its registration deadline is shown, who hears about a
deadline and in what words) is asked through ``subject()``, which the feedback app provides at start-up
(``feedback/apps.py`` → ``feedback/deadlines.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    import datetime as dt

    from django.db.models import Expression

    from notifications.services import Notice

    from .models import SlaClock


class ClockSubject(Protocol):
    def is_waiting(self, feedback) -> bool:
        """The feedback waits for the customer (a pause is open): its working-day clocks start paused."""

    def registration_due_changed(
        self, *, feedback_ids: Iterable[int], due_at: dt.datetime | Expression
    ) -> None:
        """The registration clocks of these feedbacks are now due at ``due_at``: one moment, or an expression
        evaluated on each feedback row (the recomputation passes a subquery reading the feedback's running
        registration clock). Feedbacks already in step are not written."""

    def deadline_notices(self, clocks: list[SlaClock], *, phase: str) -> list[Notice]:
        """The notices for these clocks turning ``due_soon`` or ``overdue``: recipients, words, link."""


_subject: ClockSubject | None = None


def provide(subject: ClockSubject) -> None:
    global _subject
    _subject = subject


def subject() -> ClockSubject:
    if _subject is None:
        raise ImproperlyConfigured("no app provides sla.ports.subject(): is 'feedback' in INSTALLED_APPS?")
    return _subject
