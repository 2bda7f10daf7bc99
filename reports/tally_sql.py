"""The SQL behind the tallies (PostgreSQL only; reports/tallies.py explains them).

``reports_facts_of(ids)`` is the one definition of what a feedback counts for: the same counting rules as the
direct figures in reports/selectors.py (not draft nor voided; a feedback counts for everyone's figures and for
each department it is assigned to; local days in Asia/Shanghai). ``reports_refresh(ids)`` replaces the facts of
those feedbacks with what they count for now and appends the difference to the tallies. Statement-level triggers
call it for every feedback whose counted fields changed, whatever wrote them (a service, the admin, a bulk
update), in the writing transaction.
"""

from __future__ import annotations

TZ = "Asia/Shanghai"
KEYS = "bucket, department_id, day, model_id, key, key2"

FACTS_OF = f"""
CREATE OR REPLACE FUNCTION reports_facts_of(ids bigint[])
RETURNS TABLE (feedback_id bigint, bucket varchar, department_id bigint, day date, model_id bigint,
               key varchar, key2 bigint)
LANGUAGE sql STABLE AS $$
WITH f AS MATERIALIZED (
    SELECT fb.id, fb.feedback_time, fb.registered_at, fb.registration_due_at,
           COALESCE(fb.registered_by_id, 0) AS agent, COALESCE(fb.category, '') AS category,
           COALESCE(fb.severity, '') AS severity, COALESCE(fb.channel, '') AS channel,
           COALESCE(fb.fault_phenomenon_id::text, '') AS fault, COALESCE(fb.product_model_id, 0) AS model_id
    FROM feedback_feedback fb
    WHERE fb.id = ANY(ids) AND fb.status NOT IN ('draft', 'voided')
), scopes AS MATERIALIZED (
    SELECT f.id AS fid, 0::bigint AS dept FROM f
    UNION ALL
    SELECT a.feedback_id, a.department_id FROM feedback_assignment a JOIN f ON f.id = a.feedback_id
), lead AS MATERIALIZED (
    SELECT a.feedback_id, a.department_id FROM feedback_assignment a JOIN f ON f.id = a.feedback_id
    WHERE a.is_lead
), received AS (
    SELECT s.fid, s.dept, (f.feedback_time AT TIME ZONE '{TZ}')::date AS day, f.*
    FROM scopes s JOIN f ON f.id = s.fid
)
SELECT fid, 'category'::varchar, dept, day, model_id, category::varchar, 0::bigint FROM received
UNION ALL SELECT fid, 'severity', dept, day, model_id, severity, 0 FROM received
UNION ALL SELECT fid, 'channel', dept, day, model_id, channel, 0 FROM received
UNION ALL SELECT fid, 'fault', dept, day, model_id, fault, 0 FROM received
UNION ALL
SELECT s.fid, 'registered', s.dept, (f.registered_at AT TIME ZONE '{TZ}')::date, f.model_id,
       CASE WHEN f.registered_at <= f.registration_due_at THEN 'on_time' ELSE 'late' END, f.agent
FROM scopes s JOIN f ON f.id = s.fid
WHERE f.registered_at IS NOT NULL
UNION ALL
SELECT s.fid, 'callback', s.dept, (c.closed_at AT TIME ZONE '{TZ}')::date, f.model_id,
       CASE WHEN c.state = 'unreachable' THEN 'unreachable' ELSE c.satisfaction END, 0
FROM scopes s JOIN f ON f.id = s.fid JOIN feedback_callback c ON c.feedback_id = f.id
WHERE c.closed_at IS NOT NULL
  AND (c.state = 'unreachable' OR (c.state = 'done' AND c.satisfaction IN ('satisfied', 'basic', 'unsatisfied')))
UNION ALL
SELECT s.fid, 'clock', s.dept, (k.due_at AT TIME ZONE '{TZ}')::date, f.model_id, k.kind || ':' || k.outcome,
       CASE WHEN k.kind NOT IN ('capa_form', 'measure') THEN 0
            WHEN k.measure_id IS NOT NULL THEN COALESCE(m.department_id, 0)
            ELSE COALESCE(l.department_id, 0) END
FROM scopes s JOIN f ON f.id = s.fid JOIN sla_slaclock k ON k.feedback_id = f.id
LEFT JOIN corrective_actions_measure m ON m.id = k.measure_id
LEFT JOIN lead l ON l.feedback_id = f.id
WHERE k.outcome IN ('met', 'missed')
$$;
"""

REFRESH = f"""
CREATE OR REPLACE FUNCTION reports_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- one refresh of a feedback at a time: a second transaction waits here, then sees the first one's facts
    PERFORM 1 FROM feedback_feedback WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    WITH gone AS (
        DELETE FROM reports_fact WHERE feedback_id = ANY(ids) RETURNING {KEYS}
    ), added AS (
        INSERT INTO reports_fact (feedback_id, {KEYS}) SELECT * FROM reports_facts_of(ids) RETURNING {KEYS}
    ), delta AS (
        SELECT {KEYS}, -1 AS n FROM gone UNION ALL SELECT {KEYS}, 1 FROM added
    )
    INSERT INTO reports_tally ({KEYS}, n)
    SELECT {KEYS}, SUM(n) FROM delta GROUP BY {KEYS} HAVING SUM(n) <> 0;
END $$;
"""

# Per table: how to find the feedbacks whose facts a statement may have changed. ``changed`` compares the
# columns the facts read (an UPDATE that touches none of them, such as a clock's notice marks or a recomputed
# running deadline, refreshes nothing).
_TABLES = {
    "feedback_feedback": {
        "id": "id",
        "columns": "status, feedback_time, registered_at, registration_due_at, registered_by_id, category, "
        "severity, channel, fault_phenomenon_id, product_model_id",
    },
    "feedback_assignment": {"id": "feedback_id", "columns": "feedback_id, department_id, is_lead"},
    "feedback_callback": {"id": "feedback_id", "columns": "feedback_id, state, satisfaction, closed_at"},
    "sla_slaclock": {
        "id": "feedback_id",
        "columns": "feedback_id, kind, outcome, due_at, measure_id",
        # only clocks with a final outcome count (running ones are read directly: overdue depends on now)
        "counted": "outcome IN ('met', 'missed')",
    },
}


def _trigger_function(table: str, spec: dict) -> str:
    fid, columns = spec["id"], spec["columns"]
    counted = spec.get("counted")
    new_counted = f"WHERE {counted}" if counted else ""
    pair_counted = ""
    if counted:
        pair_counted = (
            f"AND ({counted.replace('outcome', 'n.outcome')} OR {counted.replace('outcome', 'o.outcome')})"
        )
    n_cols = ", ".join(f"n.{c.strip()}" for c in columns.split(","))
    o_cols = ", ".join(f"o.{c.strip()}" for c in columns.split(","))
    return f"""
CREATE OR REPLACE FUNCTION reports_on_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM reports_refresh(ARRAY(SELECT DISTINCT {fid} FROM new_rows {new_counted}));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM reports_refresh(ARRAY(SELECT DISTINCT {fid} FROM old_rows {new_counted}));
    ELSE
        PERFORM reports_refresh(ARRAY(
            SELECT n.{fid} FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE ({n_cols}) IS DISTINCT FROM ({o_cols}) {pair_counted}
            UNION SELECT o.{fid} FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.{fid} IS DISTINCT FROM o.{fid}
        ));
    END IF;
    RETURN NULL;
END $$;
"""


def _triggers(table: str) -> list[str]:
    out = []
    for event, referencing in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        name = f"reports_{table}_{event.lower()}"
        out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        out.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION reports_on_{table}()"
        )
    return out


# A measure moved to another department changes the department its clocks count for.
MEASURE_FUNCTION = """
CREATE OR REPLACE FUNCTION reports_on_corrective_actions_measure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reports_refresh(ARRAY(
        SELECT DISTINCT k.feedback_id FROM sla_slaclock k
        WHERE k.measure_id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                               WHERE n.department_id IS DISTINCT FROM o.department_id)
    ));
    RETURN NULL;
END $$;
"""
MEASURE_TRIGGER = [
    "DROP TRIGGER IF EXISTS reports_corrective_actions_measure_update ON corrective_actions_measure",
    "CREATE TRIGGER reports_corrective_actions_measure_update AFTER UPDATE ON corrective_actions_measure "
    "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION reports_on_corrective_actions_measure()",
]


def install_statements() -> list[str]:
    statements = [FACTS_OF, REFRESH]
    for table, spec in _TABLES.items():
        statements.append(_trigger_function(table, spec))
        statements.extend(_triggers(table))
    statements.append(MEASURE_FUNCTION)
    statements.extend(MEASURE_TRIGGER)
    return statements


def uninstall_statements() -> list[str]:
    statements = []
    for table in [*_TABLES, "corrective_actions_measure"]:
        for event in ("insert", "update", "delete"):
            statements.append(f"DROP TRIGGER IF EXISTS reports_{table}_{event} ON {table}")
        statements.append(f"DROP FUNCTION IF EXISTS reports_on_{table}()")
    statements.append("DROP FUNCTION IF EXISTS reports_refresh(bigint[])")
    statements.append("DROP FUNCTION IF EXISTS reports_facts_of(bigint[])")
    return statements


TABLES_WITH_TRIGGERS = [*_TABLES, "corrective_actions_measure"]

# Everything again from the records (a migration on existing data, the bench after a bulk load, a repair).
REBUILD = [
    "TRUNCATE reports_fact, reports_tally, reports_tallymark",
    f"INSERT INTO reports_fact (feedback_id, {KEYS}) "
    "SELECT * FROM reports_facts_of(ARRAY(SELECT id FROM feedback_feedback))",
    f"INSERT INTO reports_tally ({KEYS}, n) SELECT {KEYS}, COUNT(*) FROM reports_fact GROUP BY {KEYS}",
    "INSERT INTO reports_tallymark (id, compacted_through) SELECT 1, COALESCE(MAX(id), 0) FROM reports_tally",
]

# Merge the rows written since the last compaction with the older rows of the same keys into one row per key.
COMPACT = f"""
WITH mark AS (
    SELECT COALESCE((SELECT compacted_through FROM reports_tallymark WHERE id = 1), 0) AS through,
           (SELECT COALESCE(MAX(id), 0) FROM reports_tally) AS upto
), touched AS (
    SELECT DISTINCT {KEYS} FROM reports_tally, mark WHERE id > mark.through AND id <= mark.upto
), several AS (
    SELECT touched.* FROM touched
    WHERE (SELECT COUNT(*) FROM reports_tally t
           WHERE (t.bucket, t.department_id, t.day, t.model_id, t.key, t.key2)
               = (touched.bucket, touched.department_id, touched.day, touched.model_id, touched.key, touched.key2)
          ) > 1
), gone AS (
    DELETE FROM reports_tally t USING several, mark
    WHERE (t.bucket, t.department_id, t.day, t.model_id, t.key, t.key2)
        = (several.bucket, several.department_id, several.day, several.model_id, several.key, several.key2)
      AND t.id <= mark.upto
    RETURNING t.bucket, t.department_id, t.day, t.model_id, t.key, t.key2, t.n
), merged AS (
    INSERT INTO reports_tally ({KEYS}, n)
    SELECT {KEYS}, SUM(n) FROM gone GROUP BY {KEYS} HAVING SUM(n) <> 0
    RETURNING id
)
INSERT INTO reports_tallymark (id, compacted_through)
SELECT 1, (SELECT upto FROM mark) + 0 * (SELECT COUNT(*) FROM merged)
ON CONFLICT (id) DO UPDATE SET compacted_through = EXCLUDED.compacted_through
"""
