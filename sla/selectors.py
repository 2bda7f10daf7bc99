"""Reading deadlines for display, in a constant number of queries."""

from collections import defaultdict
from collections.abc import Iterable

from .models import Outcome, SlaClock

# what a badge shows (sla.templatetags.sla_badges): the lists and homes draw a badge per clock, and nothing more
BADGE_FIELDS = (
    "feedback",
    "measure",
    "kind",
    "outcome",
    "due_at",
    "warn_at",
    "paused_at",
    "remaining_days",
    "provisional",
)


def clocks_by_feedback(
    feedback_ids: Iterable[int], *, running_only: bool = True
) -> dict[int, list[SlaClock]]:
    """Each feedback's clocks (running ones by default), in one query: ``{feedback_id: [clock, …]}``. A clock's
    ``.state`` is on_time / due_soon / overdue / paused / met / missed / cancelled. Only the columns a badge
    shows are read (``BADGE_FIELDS``)."""
    ids = list(feedback_ids)
    result: dict[int, list[SlaClock]] = defaultdict(list)
    if not ids:
        return result
    qs = SlaClock.objects.filter(feedback_id__in=ids).only(*BADGE_FIELDS)
    if running_only:
        qs = qs.filter(outcome=Outcome.RUNNING)
    for clock in qs.order_by("feedback_id", "due_at", "id"):
        result[clock.feedback_id].append(clock)
    return result


def clocks_for(feedback) -> list[SlaClock]:
    """Every clock of one feedback, running and stopped, oldest first (the detail page's table)."""
    return list(
        SlaClock.objects.filter(feedback=feedback).select_related("measure").order_by("started_at", "id")
    )
