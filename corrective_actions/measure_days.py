"""The kept per-department, per-day measure counts behind ``selectors.measure_rates_by_department`` (issue 10).

On PostgreSQL, statement-level triggers on ``corrective_actions_measure`` add what each statement's rows count
for (new rows +1, old rows −1) to ``corrective_actions_measureday``, in the writing transaction, whoever writes:
a service, the admin, a bulk update, a raw import. The rows are upserted in key order, so two writers lock them
in the same order and never deadlock. Elsewhere (SQLite, the embedded default) the rates are counted from the
measures directly; both give the same rows (tests/corrective_actions/test_measure_days.py)."""

from django.db import connection

TABLE = "corrective_actions_measureday"

_COUNTS = """
    SELECT department_id, planned_date, {sign} AS measures,
           {sign} * (state <> 'withdrawn')::int AS live,
           {sign} * (state = 'completed')::int AS completed,
           {sign} * (state = 'completed' AND completed_date IS NOT NULL AND completed_date > planned_date)::int
               AS completed_late
    FROM {rows} WHERE department_id IS NOT NULL
"""

_APPLY = f"""
    INSERT INTO {TABLE} (department_id, planned_date, measures, live, completed, completed_late)
    SELECT department_id, planned_date, sum(measures), sum(live), sum(completed), sum(completed_late)
    FROM ({{changes}}) c
    GROUP BY department_id, planned_date
    HAVING sum(measures) <> 0 OR sum(live) <> 0 OR sum(completed) <> 0 OR sum(completed_late) <> 0
    ORDER BY department_id, planned_date
    ON CONFLICT (department_id, planned_date) DO UPDATE SET
        measures = {TABLE}.measures + EXCLUDED.measures,
        live = {TABLE}.live + EXCLUDED.live,
        completed = {TABLE}.completed + EXCLUDED.completed,
        completed_late = {TABLE}.completed_late + EXCLUDED.completed_late
"""

_NEW = _COUNTS.format(sign="1", rows="new_rows")
_OLD = _COUNTS.format(sign="-1", rows="old_rows")

INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION corrective_actions_measureday_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_APPLY.format(changes=_NEW)};
        ELSIF TG_OP = 'DELETE' THEN
            {_APPLY.format(changes=_OLD)};
        ELSE
            {_APPLY.format(changes=_NEW + " UNION ALL " + _OLD)};
        END IF;
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS measureday_insert ON corrective_actions_measure",
    "DROP TRIGGER IF EXISTS measureday_update ON corrective_actions_measure",
    "DROP TRIGGER IF EXISTS measureday_delete ON corrective_actions_measure",
    "CREATE TRIGGER measureday_insert AFTER INSERT ON corrective_actions_measure REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION corrective_actions_measureday_apply()",
    "CREATE TRIGGER measureday_update AFTER UPDATE ON corrective_actions_measure "
    "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION corrective_actions_measureday_apply()",
    "CREATE TRIGGER measureday_delete AFTER DELETE ON corrective_actions_measure REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION corrective_actions_measureday_apply()",
]

UNINSTALL = [
    "DROP TRIGGER IF EXISTS measureday_insert ON corrective_actions_measure",
    "DROP TRIGGER IF EXISTS measureday_update ON corrective_actions_measure",
    "DROP TRIGGER IF EXISTS measureday_delete ON corrective_actions_measure",
    "DROP FUNCTION IF EXISTS corrective_actions_measureday_apply()",
]

REBUILD = [
    f"DELETE FROM {TABLE}",
    _APPLY.format(changes=_COUNTS.format(sign="1", rows="corrective_actions_measure")),
]


def kept(using=connection) -> bool:
    """Whether the counts are kept (PostgreSQL) or the rates are counted from the measures (elsewhere)."""
    return using.vendor == "postgresql"


def rebuild(using=connection) -> None:
    """Count every measure again (after a bulk load with the triggers off, or to check the kept counts)."""
    if not kept(using):
        return
    with using.cursor() as cursor:
        for statement in REBUILD:
            cursor.execute(statement)
