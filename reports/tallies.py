"""Tallies: the management figures read from counts kept as the records change, not by counting the records.

On PostgreSQL, triggers (reports/tally_sql.py) keep, in the transaction that writes a feedback, its assignments,
its callback or its clocks, the ``Fact`` rows of what that feedback counts for and append the difference to
``Tally``. A figure is then a SUM over a range of days of one bucket, read from one covering index: its cost
follows the number of days × values shown, not the number of records (a month of 1,000,000 feedbacks reads a few
thousand tally rows). Clocks running past their deadline are not tallied (overdue depends on the moment of
asking): the figures read them directly, through the running clocks' partial index.

Elsewhere (SQLite, the embedded default for small sites) the figures count the records directly, with the same
rules; ``tests/reports/test_tallies.py`` runs random changes through the services and checks that both ways give
the same figures.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from .models import Tally
from .tally_sql import COMPACT, FLUSH_LOCK, REBUILD, TABLES_WITH_TRIGGERS


class Bucket:
    CATEGORY = "category"  # feedback by feedback time: key = category ("" unclassified); also the volume
    SEVERITY = "severity"
    CHANNEL = "channel"
    FAULT = "fault"  # key = fault phenomenon id as text ("" none)
    REGISTERED = "registered"  # by registration time: key on_time / late, key2 = the agent who registered it
    CALLBACK = "callback"  # by callback closing time: key satisfied / basic / unsatisfied / unreachable
    CLOCK = "clock"  # by deadline: key "kind:outcome" (met / missed), key2 = the clock's department
    # CAPA forms (scope: their lead department) and measures (their own department), from reports_capafact
    CAPA_EFFECTIVE = "capa_effective"  # by verified-effective time: key first_time / later
    CAPA_SUBMITTED = (
        "capa_submitted"  # by submission: key = the lead assignment's day (ISO), key2 = lead dept
    )
    MEASURE = "measure"  # by planned date: key open / done / done_late


def enabled() -> bool:
    """Whether the figures are read from the tallies (PostgreSQL, unless ``REPORTS_TALLIES = False``). The
    triggers keep them on PostgreSQL either way."""
    return kept() and getattr(settings, "REPORTS_TALLIES", True)


def kept() -> bool:
    return connection.vendor == "postgresql"


def rows(
    bucket: str | list[str], start, end, department_id: int | None, model_ids: list[int] | None
) -> QuerySet:
    """The tally rows of ``bucket`` (or of several) for the local days start..end (inclusive) in a scope:
    everyone's (``department_id`` None) or one department's; ``model_ids`` a product line's models (None: all)."""
    buckets = Q(bucket__in=bucket) if isinstance(bucket, list) else Q(bucket=bucket)
    qs = Tally.objects.filter(
        buckets, department_id=department_id or 0, day__gte=start, day__lte=end
    ).order_by()
    if model_ids is not None:
        qs = qs.filter(model_id__in=model_ids)
    return qs


def total(q: Q | None = None):
    """SUM(n) of the rows matching ``q`` (0 when none)."""
    return Coalesce(Sum("n", filter=q), 0) if q is not None else Coalesce(Sum("n"), 0)


def flush() -> int:
    """Refresh the facts of every record changed since the last flush (the triggers queue them): the figures call
    it before they read, beat every minute. In a transaction of its own (its lock is held only for the refresh);
    one flush at a time. Returns how many records it refreshed."""
    if not kept():
        return 0
    with connection.cursor() as cursor:  # one statement: its own transaction, unless inside the caller's
        cursor.execute("SELECT reports_flush()")
        return cursor.fetchone()[0]


def compact() -> int:
    """Merge the tally rows written since the last compaction into one row per key (beat, every few minutes;
    readers get the same sums before and after). Returns the number of rows it merged away."""
    if not kept():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext('reports_tally_compact'))")
        if not cursor.fetchone()[0]:
            return 0  # another compaction is running
        cursor.execute("SELECT COUNT(*) FROM reports_tally")
        before = cursor.fetchone()[0]
        cursor.execute(COMPACT)
        cursor.execute("SELECT COUNT(*) FROM reports_tally")
        return before - cursor.fetchone()[0]


def rebuild() -> None:
    """Every fact and tally again from the records (after a bulk load with the triggers off, or as a repair)."""
    if not kept():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLUSH_LOCK)  # no flush meanwhile
        for statement in REBUILD:
            cursor.execute(statement)


def set_triggers(enabled_: bool) -> None:
    """Turn the tally triggers off for a bulk load (then ``rebuild()``), and on again."""
    if connection.vendor != "postgresql":
        return
    action = "ENABLE" if enabled_ else "DISABLE"
    with connection.cursor() as cursor:
        for table in TABLES_WITH_TRIGGERS:
            for event in ("insert", "update", "delete"):
                if table == "corrective_actions_measure" and event != "update":
                    continue
                cursor.execute(f"ALTER TABLE {table} {action} TRIGGER reports_{table}_{event}")
