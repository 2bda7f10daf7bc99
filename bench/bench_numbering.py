"""PF numbers: 1,000 assignments, each in its own transaction as a registration does (one upsert each)."""

from django.db import transaction

from bench.harness import Result, measure
from feedback.models import NumberSequence
from feedback.numbering import next_number

N = 1_000


def assign_numbers() -> None:
    for _ in range(N):
        with transaction.atomic():
            next_number("PF")


def run() -> list[Result]:
    # given an empty counter table (and, the second time, a month already past its first thousand)
    def fresh_month() -> None:
        NumberSequence.objects.all().delete()

    first = measure(
        "numbering: next_number('PF') x1000, a transaction each",
        assign_numbers,
        size="empty month",
        ops=N,
        setup=fresh_month,
    )
    numbers = NumberSequence.objects.get().last_value
    assert numbers == N, f"expected {N} numbers handed out, the counter says {numbers}"
    per_op_queries = first.queries / N
    assert per_op_queries <= 3, f"{per_op_queries} queries per number: expected BEGIN, one upsert, COMMIT"
    return [first]
