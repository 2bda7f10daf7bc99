"""Record numbers: PF + year + month + serial (PF202405001), the serial restarting every Asia/Shanghai month.

The serial comes from one upsert on a per-month counter row inside the caller's transaction: concurrent
registrations queue on that row (PostgreSQL) or on the database write lock (SQLite), so no two get the same
number, and a registration that rolls back rolls its increment back too, so no gap appears."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from .models import NumberSequence


def next_in_sequence(key: str) -> int:
    qn = connection.ops.quote_name
    table, key_col, value_col = qn(NumberSequence._meta.db_table), qn("key"), qn("last_value")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {value_col}) VALUES (%s, 1) ON CONFLICT ({key_col}) "
            f"DO UPDATE SET {value_col} = {table}.{value_col} + 1 RETURNING {value_col}",
            [key],
        )
        return cursor.fetchone()[0]


def format_number(prefix: str, month: dt.date | dt.datetime, serial: int) -> str:
    return f"{prefix}{month:%Y%m}{serial:03d}"


def next_number(prefix: str, at: dt.datetime | None = None) -> str:
    """The next number for ``prefix`` in the Asia/Shanghai month of ``at`` (now by default)."""
    local = timezone.localtime(at or timezone.now())
    key = f"{prefix}{local:%Y%m}"
    return format_number(prefix, local, next_in_sequence(key))
