"""Counts kept by the database, so that the pages everyone opens read a few rows instead of every measure or form
(issue 10):

- ``corrective_actions_measureday``: per department and planned day, the measures, the live (not withdrawn), the
  completed and the completed-late ones, behind ``selectors.measure_rates_by_department``;
- ``corrective_actions_capastatuscount``: the forms per status, behind ``selectors.capa_overview_counts``.

On PostgreSQL, statement-level triggers on the counted table add what each statement's rows count for (new rows
+1, old rows −1), in the writing transaction, whoever writes: a service, the admin, a bulk update, a raw import.
The rows are upserted in key order, so that two writers lock them in the same order and never deadlock.
Elsewhere (SQLite, the embedded default) the figures are counted from the records; both give the same answers
(tests/corrective_actions/test_kept_counts.py)."""

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class Kept:
    name: str  # of the trigger function and triggers
    source: str  # the counted table
    target: str  # the table of counts
    keys: tuple[str, ...]
    counts: dict[
        str, str
    ]  # column of the target -> what one row of the source counts for it (an int expression)
    where: str = "true"  # which rows of the source count at all

    def _rows(self, sign: str, rows: str) -> str:
        counts = ", ".join(
            f"{sign} * ({expression})::int AS {column}" for column, expression in self.counts.items()
        )
        return f"SELECT {', '.join(self.keys)}, {counts} FROM {rows} WHERE {self.where}"

    def _apply(self, changes: str) -> str:
        keys, columns = ", ".join(self.keys), list(self.counts)
        sums = ", ".join(f"sum({c})" for c in columns)
        nonzero = " OR ".join(f"sum({c}) <> 0" for c in columns)
        updates = ", ".join(f"{c} = {self.target}.{c} + EXCLUDED.{c}" for c in columns)
        return (
            f"INSERT INTO {self.target} ({keys}, {', '.join(columns)}) "
            f"SELECT {keys}, {sums} FROM ({changes}) c GROUP BY {keys} HAVING {nonzero} ORDER BY {keys} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        )

    @property
    def install(self) -> list[str]:
        new, old = self._rows("1", "new_rows"), self._rows("-1", "old_rows")
        function = f"""
        CREATE OR REPLACE FUNCTION {self.name}_apply() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {self._apply(new)};
            ELSIF TG_OP = 'DELETE' THEN
                {self._apply(old)};
            ELSE
                {self._apply(new + " UNION ALL " + old)};
            END IF;
            RETURN NULL;
        END $$
        """
        tables = {
            "insert": "REFERENCING NEW TABLE AS new_rows",
            "update": "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows",
            "delete": "REFERENCING OLD TABLE AS old_rows",
        }
        return [
            function,
            *(f"DROP TRIGGER IF EXISTS {self.name}_{event} ON {self.source}" for event in tables),
            *(
                f"CREATE TRIGGER {self.name}_{event} AFTER {event.upper()} ON {self.source} {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {self.name}_apply()"
                for event, referencing in tables.items()
            ),
        ]

    @property
    def uninstall(self) -> list[str]:
        return [
            *(
                f"DROP TRIGGER IF EXISTS {self.name}_{event} ON {self.source}"
                for event in ("insert", "update", "delete")
            ),
            f"DROP FUNCTION IF EXISTS {self.name}_apply()",
        ]

    @property
    def rebuild(self) -> list[str]:
        return [f"DELETE FROM {self.target}", self._apply(self._rows("1", self.source))]


MEASURE_DAYS = Kept(
    name="measureday",
    source="corrective_actions_measure",
    target="corrective_actions_measureday",
    keys=("department_id", "planned_date"),
    counts={
        "measures": "true",
        "live": "state <> 'withdrawn'",
        "completed": "state = 'completed'",
        "completed_late": "state = 'completed' AND completed_date IS NOT NULL AND completed_date > planned_date",
    },
    where="department_id IS NOT NULL",
)
CAPA_STATUSES = Kept(
    name="capastatuscount",
    source="corrective_actions_capa",
    target="corrective_actions_capastatuscount",
    keys=("status",),
    counts={"forms": "true"},
)
ALL = (MEASURE_DAYS, CAPA_STATUSES)


def kept(using=connection) -> bool:
    """Whether the counts are kept (PostgreSQL) or the figures are counted from the records (elsewhere)."""
    return using.vendor == "postgresql"


def rebuild(using=connection) -> None:
    """Count every record again (after a bulk load with the triggers off, or to check the kept counts)."""
    if not kept(using):
        return
    with using.cursor() as cursor:
        for counts in ALL:
            for statement in counts.rebuild:
                cursor.execute(statement)
