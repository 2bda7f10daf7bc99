"""Issue 11, finding 6: the CAPA page shows its rounds as a timeline.

Round 1: submitted, returned, submitted again, accepted, every measure implemented, verified 无效; round 2: …;
each step with who and when, in the order it happened (the key dates used to show the last round only, and the
reviews and verifications were grouped by type)."""

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from corrective_actions.models import EffectVerification, Measure
from tests.factories.capa import Loop

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _rounds(page: str) -> dict[int, list[str]]:
    """round → the text of each step of its timeline, in page order."""
    rounds = {}
    for number, body in re.findall(r'data-testid="timeline-round-(\d+)"(.*?)</ol>', page, re.S):
        rounds[int(number)] = [
            _text(step) for step in re.findall(r'<li class="timeline-step[^"]*"[^>]*>(.*?)</li>', body, re.S)
        ]
    return rounds


@pytest.fixture
def two_rounds(users, departments):
    loop = Loop(users, departments)
    loop.to_assigned()
    loop.open_capa()
    short = loop.add_measure(Measure.Kind.SHORT_TERM)
    loop.submit()
    loop.review("returned", comment="补充长期措施")
    long = loop.add_measure(Measure.Kind.LONG_TERM)
    loop.submit()
    loop.review("accepted")
    loop.complete(short)
    loop.complete(long)
    loop.verify_effect(EffectVerification.Result.INEFFECTIVE)
    again = loop.add_measure(Measure.Kind.LONG_TERM, description="更换电容供应商")
    loop.submit()
    loop.review("accepted")
    loop.complete(again)
    loop.verify_effect(EffectVerification.Result.EFFECTIVE)
    return loop


def test_each_round_is_a_timeline_of_who_did_what_when(client, users, two_rounds):
    head, qe = users[Role.DEPT_HEAD], users[Role.QUALITY_ENGINEER]
    client.force_login(users[Role.QUALITY_ENGINEER])

    page = client.get(reverse("corrective_actions:detail", args=[two_rounds.capa.number])).content.decode()

    rounds = _rounds(page)
    assert sorted(rounds) == [1, 2]
    first, second = rounds[1], rounds[2]
    expected_first = [
        ("提交", head),
        ("退回", qe),
        ("提交", head),
        ("通过", qe),
        ("措施全部实施", None),
        ("无效", qe),
    ]
    expected_second = [("提交", head), ("通过", qe), ("措施全部实施", None), ("有效", qe)]
    for steps, expected in ((first, expected_first), (second, expected_second)):
        assert len(steps) == len(expected), steps
        for step, (word, who) in zip(steps, expected, strict=True):
            assert word in step, steps
            assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", step), step
            if who is not None:
                assert who.name in step, step
    assert "补充长期措施" in first[1]


def test_the_timeline_of_a_form_being_written_says_nothing_happened_yet(client, users, departments):
    loop = Loop(users, departments)
    loop.to_assigned()
    loop.open_capa()
    client.force_login(users[Role.DEPT_MEMBER])

    page = client.get(reverse("corrective_actions:detail", args=[loop.capa.number])).content.decode()

    assert _rounds(page) == {1: []} or 'data-testid="timeline-empty"' in page
