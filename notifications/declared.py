"""Notices declared beside a move table: who receives what when a feedback, a CAPA form or a callback makes a move.

An app lists, next to its moves, the ``MoveNotice`` each move sends (``feedback.workflow.MOVE_NOTICES``,
``corrective_actions.rules.CAPA_MOVE_NOTICES``, ``quality_loop.callback_moves.CALLBACK_NOTICES``); the one function
that makes the move calls ``move_notices_send`` with what the move knows (``feedback``, ``capa``, ``actor``, … as
attributes of one ``Move``). Each part of a notice is a function of that ``Move``; the notice itself goes through
``notify()`` (in-app row, e-mail after commit, working-hours rule, level Ⅲ at once)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from .services import notify

Move = SimpleNamespace


def _nothing(move: Move):
    return None


def _always(move: Move) -> bool:
    return True


@dataclass(frozen=True)
class MoveNotice:
    """One notice of a move. ``recipients``, ``params``, ``url``, ``feedback`` (which one the notice is about:
    link, routing), ``urgent``, ``dedup_key`` and ``deadline`` read the ``Move``; ``when`` says whether this move
    sends it at all; ``exclude_actor``: the person who made the move is not told."""

    kind: str
    subject: object
    recipients: Callable[[Move], Iterable]
    params: Callable[[Move], dict]
    url: Callable[[Move], str]
    body: object = ""
    feedback: Callable[[Move], object] = _nothing
    urgent: Callable[[Move], bool] = lambda move: False
    dedup_key: Callable[[Move], str | None] = _nothing
    deadline: Callable[[Move], object] = _nothing
    exclude_actor: bool = True
    when: Callable[[Move], bool] = _always


def move_notices_send(notices: Iterable[MoveNotice], **move) -> None:
    """Send the declared ``notices`` of one move; ``move`` is what the move knows (``actor`` among it)."""
    state = Move(**move)
    for notice in notices:
        if not notice.when(state):
            continue
        feedback = notice.feedback(state)
        send_notice(
            recipients=notice.recipients(state),
            kind=notice.kind,
            subject=notice.subject,
            body=notice.body,
            params=notice.params(state),
            url=notice.url(state),
            feedback=feedback,
            urgent=notice.urgent(state),
            dedup_key=notice.dedup_key(state),
            exclude=getattr(state, "actor", None) if notice.exclude_actor else None,
            deadline=notice.deadline(state),
        )


def send_notice(*, recipients: Iterable, feedback=None, exclude=None, **notice) -> None:
    """Tell ``recipients`` (minus ``exclude``, usually the person who acted) ``notice`` (``notify()``'s arguments):
    each person once. The feedback's number, severity and responsible departments go with the notice for the
    group-chat robots' routing rules."""
    seen: set[int] = set()
    people = []
    for user in recipients:
        if user is None or user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        people.append(user)
    if people:
        notify(recipients=people, feedback=feedback, **notice, **routing_of(feedback))


def routing_of(feedback) -> dict:
    """What the robots' routing rules read about a feedback: its number, severity and responsible departments."""
    if feedback is None or getattr(feedback, "pk", None) is None:
        return {}
    return {
        "reference": feedback.number,
        "severity": feedback.severity or "",
        "departments": sorted({a.department_id for a in feedback.assignments.all()}),
    }
