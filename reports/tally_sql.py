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

CAPA_FACTS_OF = f"""
CREATE OR REPLACE FUNCTION reports_capa_facts_of(ids bigint[])
RETURNS TABLE (capa_id bigint, bucket varchar, department_id bigint, day date, model_id bigint,
               key varchar, key2 bigint)
LANGUAGE sql STABLE AS $$
WITH c AS MATERIALIZED (
    SELECT c.id, c.status, c.submitted_at, c.verified_effective_at, c.lead_department_id AS lead,
           c.opened_for_id, COALESCE(fb.product_model_id, 0) AS model_id
    FROM corrective_actions_capa c LEFT JOIN feedback_feedback fb ON fb.id = c.opened_for_id
    WHERE c.id = ANY(ids)
), scopes AS MATERIALIZED (
    -- a CAPA form counts for everyone's figures and for its lead department's
    SELECT c.id AS cid, 0::bigint AS dept FROM c
    UNION ALL
    SELECT c.id, c.lead FROM c WHERE c.lead IS NOT NULL
)
SELECT s.cid, 'capa_effective'::varchar, s.dept, (c.verified_effective_at AT TIME ZONE '{TZ}')::date, c.model_id,
       (CASE WHEN EXISTS (SELECT 1 FROM corrective_actions_effectverification v
                          WHERE v.capa_id = c.id AND v.result <> 'effective')
             THEN 'later' ELSE 'first_time' END)::varchar, 0::bigint
FROM scopes s JOIN c ON c.id = s.cid
WHERE c.status = 'effective' AND c.verified_effective_at IS NOT NULL
UNION ALL
SELECT s.cid, 'capa_submitted', s.dept, (c.submitted_at AT TIME ZONE '{TZ}')::date, c.model_id,
       COALESCE(((SELECT a.assigned_at FROM feedback_assignment a
                  WHERE a.feedback_id = c.opened_for_id AND a.department_id = c.lead LIMIT 1)
                 AT TIME ZONE '{TZ}')::date::text, ''),
       COALESCE(c.lead, 0)
FROM scopes s JOIN c ON c.id = s.cid
WHERE c.submitted_at IS NOT NULL
UNION ALL
-- a measure counts (when it has a department and is not withdrawn) for everyone's and its department's figures
SELECT m.capa_id, 'measure', d.dept, m.planned_date, c.model_id,
       CASE WHEN m.state <> 'completed' THEN 'open'
            WHEN m.completed_date > m.planned_date THEN 'done_late' ELSE 'done' END, 0
FROM corrective_actions_measure m JOIN c ON c.id = m.capa_id
CROSS JOIN LATERAL (VALUES (0::bigint), (m.department_id)) d(dept)
WHERE m.state <> 'withdrawn' AND m.department_id IS NOT NULL AND m.planned_date IS NOT NULL
$$;
"""


def _refresh_function(name: str, fact_table: str, id_column: str, facts_of: str) -> str:
    """Replace the facts of ``ids`` with what they count for now; append the difference to the tallies (only the
    keys whose count changed). Called by reports_flush, one at a time."""
    return f"""
CREATE OR REPLACE FUNCTION {name}(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    WITH gone AS (
        DELETE FROM {fact_table} WHERE {id_column} = ANY(ids) RETURNING {KEYS}
    ), added AS (
        INSERT INTO {fact_table} ({id_column}, {KEYS}) SELECT * FROM {facts_of}(ids) RETURNING {KEYS}
    ), delta AS (
        SELECT {KEYS}, -1 AS n FROM gone UNION ALL SELECT {KEYS}, 1 FROM added
    )
    INSERT INTO reports_tally ({KEYS}, n)
    SELECT {KEYS}, SUM(n) FROM delta GROUP BY {KEYS} HAVING SUM(n) <> 0;
END $$;
"""


REFRESH = _refresh_function("reports_refresh", "reports_fact", "feedback_id", "reports_facts_of")
CAPA_REFRESH = _refresh_function(
    "reports_capa_refresh", "reports_capafact", "capa_id", "reports_capa_facts_of"
)

FLUSH_LOCK = "SELECT pg_advisory_xact_lock(hashtext('reports_tally_flush'))"
FLUSH = """
CREATE OR REPLACE FUNCTION reports_flush() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    feedbacks bigint[];
    capas bigint[];
BEGIN
    -- one flush at a time: a second one waits, then finds what the first one took gone and its facts written
    PERFORM pg_advisory_xact_lock(hashtext('reports_tally_flush'));
    WITH taken AS (DELETE FROM reports_pending RETURNING kind, ref_id)
    SELECT ARRAY_AGG(DISTINCT ref_id) FILTER (WHERE kind = 'f'),
           ARRAY_AGG(DISTINCT ref_id) FILTER (WHERE kind = 'c')
    INTO feedbacks, capas FROM taken;
    PERFORM reports_refresh(feedbacks);
    PERFORM reports_capa_refresh(capas);
    RETURN COALESCE(cardinality(feedbacks), 0) + COALESCE(cardinality(capas), 0);
END $$;
"""

# Per table, whose facts a statement may have changed: each target is (what to queue: F a feedback, C a CAPA form;
# the columns that target's facts read: an UPDATE that changes none of them, such as a clock's notice marks or a
# recomputed running deadline, queues nothing; the SELECT of the ids from the changed rows ``r``, old and new
# versions both). ``counted``: only such rows count at all.
F, C = "f", "c"
_CAPAS_OF = (
    "SELECT c.id FROM corrective_actions_capa c WHERE c.opened_for_id IN (SELECT r.{col} FROM changed r)"
)
_TABLES = {
    "feedback_feedback": {
        "targets": [
            (
                F,
                "status, feedback_time, registered_at, registration_due_at, registered_by_id, category, severity, "
                "channel, fault_phenomenon_id, product_model_id",
                "SELECT r.id FROM changed r",
            ),
            (C, "product_model_id", _CAPAS_OF.format(col="id")),
        ],
    },
    "feedback_assignment": {
        "targets": [
            (F, "feedback_id, department_id, is_lead", "SELECT r.feedback_id FROM changed r"),
            (C, "feedback_id, department_id, assigned_at", _CAPAS_OF.format(col="feedback_id")),
        ],
    },
    "feedback_callback": {
        "targets": [
            (F, "feedback_id, state, satisfaction, closed_at", "SELECT r.feedback_id FROM changed r")
        ],
    },
    "sla_slaclock": {
        # only clocks with a final outcome count (running ones are read directly: overdue depends on now)
        "counted": "outcome IN ('met', 'missed')",
        "targets": [
            (F, "feedback_id, kind, outcome, due_at, measure_id", "SELECT r.feedback_id FROM changed r")
        ],
    },
    "corrective_actions_capa": {
        "targets": [
            (
                C,
                "status, submitted_at, verified_effective_at, lead_department_id, opened_for_id",
                "SELECT r.id FROM changed r",
            )
        ],
    },
    "corrective_actions_effectverification": {
        "targets": [(C, "capa_id, result", "SELECT r.capa_id FROM changed r")],
    },
    "corrective_actions_measure": {
        "targets": [
            (
                C,
                "capa_id, state, planned_date, completed_date, department_id",
                "SELECT r.capa_id FROM changed r",
            ),
            # a measure moved to another department changes the department its clocks count for
            (
                F,
                "department_id",
                "SELECT k.feedback_id FROM sla_slaclock k WHERE k.measure_id IN (SELECT r.id FROM changed r)",
            ),
        ],
    },
}


def _changed_rows(event: str, columns: str, counted: str | None) -> str:
    """The rows of the statement that may change the facts: inserted / deleted rows that count, or the old and
    new versions of updated rows whose ``columns`` differ."""
    if event != "UPDATE":
        return f"SELECT * FROM {'new_rows' if event == 'INSERT' else 'old_rows'}" + (
            f" WHERE {counted}" if counted else ""
        )
    names = [c.strip() for c in columns.split(",")]
    differ = f"({', '.join('n.' + c for c in names)}) IS DISTINCT FROM ({', '.join('o.' + c for c in names)})"
    if counted:
        differ += (
            f" AND ({counted.replace('outcome', 'n.outcome')} OR {counted.replace('outcome', 'o.outcome')})"
        )
    pairs = f"new_rows n JOIN old_rows o ON o.id = n.id WHERE {differ}"
    return f"SELECT n.* FROM {pairs} UNION ALL SELECT o.* FROM {pairs}"


def _trigger_function(table: str, spec: dict) -> str:
    counted = spec.get("counted")
    # a statement that touches no counted row (the recomputation of running deadlines) only reads its rows once
    guard = (
        f"    IF TG_OP = 'UPDATE' THEN\n"
        f"        IF NOT EXISTS (SELECT 1 FROM new_rows WHERE {counted})\n"
        f"           AND NOT EXISTS (SELECT 1 FROM old_rows WHERE {counted}) THEN\n"
        f"            RETURN NULL;\n        END IF;\n    END IF;\n"
        if counted
        else ""
    )
    body = []
    for index, event in enumerate(("INSERT", "DELETE", "UPDATE")):
        # EXECUTE: planned at each statement for the rows it has. A plan kept for the session was made for the
        # first statement's row count: after a one-row update, joining the old and new rows of a 5,000-row
        # update in that plan took 8 s instead of 0.2 s (found by the recompute bench, issue 10).
        queue = "\n".join(
            f"        EXECUTE $q$INSERT INTO reports_pending (kind, ref_id)\n"
            f"        WITH changed AS ({_changed_rows(event, columns, spec.get('counted'))})\n"
            f"        SELECT DISTINCT '{kind}', x.id FROM ({target}) x(id) WHERE x.id IS NOT NULL$q$;"
            for kind, columns, target in spec["targets"]
        )
        body.append(f"    {'IF' if index == 0 else 'ELSIF'} TG_OP = '{event}' THEN\n{queue}")
    return f"""
CREATE OR REPLACE FUNCTION reports_on_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{guard}{chr(10).join(body)}
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


def trigger_statements() -> list[str]:
    """The trigger functions and triggers alone (a change of how they queue, without rebuilding the facts)."""
    statements = []
    for table, spec in _TABLES.items():
        statements.append(_trigger_function(table, spec))
        statements.extend(_triggers(table))
    return statements


def install_statements() -> list[str]:
    return [FACTS_OF, CAPA_FACTS_OF, REFRESH, CAPA_REFRESH, FLUSH, *trigger_statements()]


def uninstall_statements() -> list[str]:
    statements = []
    for table in _TABLES:
        for event in ("insert", "update", "delete"):
            statements.append(f"DROP TRIGGER IF EXISTS reports_{table}_{event} ON {table}")
        statements.append(f"DROP FUNCTION IF EXISTS reports_on_{table}()")
    for name in ("reports_refresh", "reports_capa_refresh", "reports_facts_of", "reports_capa_facts_of"):
        statements.append(f"DROP FUNCTION IF EXISTS {name}(bigint[])")
    statements.append("DROP FUNCTION IF EXISTS reports_flush()")
    return statements


TABLES_WITH_TRIGGERS = list(_TABLES)

# Everything again from the records (a migration on existing data, the bench after a bulk load, a repair).
REBUILD = [
    FLUSH_LOCK,
    "TRUNCATE reports_pending, reports_fact, reports_capafact, reports_tally, reports_tallymark",
    f"INSERT INTO reports_fact (feedback_id, {KEYS}) "
    "SELECT * FROM reports_facts_of(ARRAY(SELECT id FROM feedback_feedback))",
    f"INSERT INTO reports_capafact (capa_id, {KEYS}) "
    "SELECT * FROM reports_capa_facts_of(ARRAY(SELECT id FROM corrective_actions_capa))",
    f"INSERT INTO reports_tally ({KEYS}, n) SELECT {KEYS}, COUNT(*) FROM "
    f"(SELECT {KEYS} FROM reports_fact UNION ALL SELECT {KEYS} FROM reports_capafact) facts GROUP BY {KEYS}",
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
