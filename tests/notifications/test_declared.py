"""Notices declared beside the move tables: sent by the transition functions only, each part read from the move."""

import ast
from pathlib import Path

import pytest

from accounts.roles import Role
from corrective_actions.rules import CAPA_MOVE_NOTICES
from feedback.workflow import GRADED_NOTICES, MOVE_NOTICES
from notifications.declared import MoveNotice, move_notices_send
from notifications.models import Notification
from quality_loop.callback_moves import CALLBACK_NOTICES
from tests.factories import FeedbackFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _notice(**parts) -> MoveNotice:
    return MoveNotice(
        kind=parts.pop("kind", "test"),
        subject="%(number)s moved",
        recipients=parts.pop("recipients", lambda m: m.people),
        params=lambda m: {"number": m.feedback.number},
        url=lambda m: m.feedback.get_absolute_url(),
        feedback=lambda m: m.feedback,
        **parts,
    )


def test_a_move_tells_each_recipient_once_and_not_the_actor():
    actor, other = UserFactory(role=Role.QUALITY_ENGINEER), UserFactory(role=Role.QUALITY_ENGINEER)
    feedback = FeedbackFactory()
    move_notices_send([_notice()], feedback=feedback, actor=actor, people=[actor, other, other, None])
    rows = list(Notification.objects.filter(kind="test"))
    assert [row.recipient_id for row in rows] == [other.pk]
    assert feedback.number in str(rows[0].subject)


def test_a_notice_whose_condition_fails_is_not_sent_and_the_actor_may_be_told():
    actor = UserFactory(role=Role.QUALITY_ENGINEER)
    feedback = FeedbackFactory()
    move_notices_send(
        [_notice(kind="never", when=lambda m: False), _notice(kind="mine", exclude_actor=False)],
        feedback=feedback,
        actor=actor,
        people=[actor],
    )
    assert list(Notification.objects.values_list("kind", "recipient_id")) == [("mine", actor.pk)]


def test_every_declared_notice_has_a_kind_and_a_subject():
    tables = [MOVE_NOTICES, GRADED_NOTICES, CAPA_MOVE_NOTICES, CALLBACK_NOTICES]
    notices = [notice for table in tables for group in table.values() for notice in group]
    assert notices and all(isinstance(n, MoveNotice) and n.kind and n.subject for n in notices)


# The apps whose records move (a feedback, its deadlines, its CAPA form, measures and callback) and the channels in.
MOVING_APPS = ("feedback", "sla", "corrective_actions", "quality_loop", "intake")


def test_no_service_builds_a_notice_by_hand():
    """In the apps whose records move, ``notify()`` / ``send_notice()`` are never called: every notice is declared
    beside a move table (the SLA sweep writes the notices its port declares with ``notify_bulk``)."""
    callers = set()
    for path in (p for app in MOVING_APPS for p in (ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in {"notify", "send_notice"}:
                    callers.add(str(relative))
    assert callers == set()


def test_the_notices_and_effects_are_declared_for_moves_that_exist():
    from corrective_actions.rules import CAPA_MOVE_EFFECTS, CAPA_MOVES
    from feedback.workflow import ALLOWED_MOVES
    from quality_loop.callback_moves import CALLBACK_MOVES

    assert all(to in ALLOWED_MOVES[frm] for frm, to in MOVE_NOTICES)
    assert all(to in CAPA_MOVES[frm] for frm, to in [*CAPA_MOVE_NOTICES, *CAPA_MOVE_EFFECTS])
    assert set(CALLBACK_NOTICES) <= set(CALLBACK_MOVES)
