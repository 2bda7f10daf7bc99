"""The management dashboard (reports.selectors.dashboard: every figure) for last month, at 100,000 feedbacks
(``BENCH_SCALE=1000000`` for a million), with realistic data: two years of feedback, categories (5 % still
unclassified), severities, 30 fault phenomena, 20 models in 3 lines, every clock a feedback's stage implies
(registration, verification, Ⅲ emergency, CAPA form, measures, effect verification, callback; some missed, some
running past their deadline, a few cancelled), assignments to six departments, CAPA forms with two measures each
and their effect verifications, satisfaction callbacks. Compare: django-helpdesk's dashboard takes 1,653 ms."""

import datetime as dt
import os
import time

from django.db import connection
from django.db.models import Case, Value, When
from django.test import override_settings
from django.utils import timezone

from accounts.roles import Role
from bench import builders
from bench.builders import copy_feedback, pick, user
from bench.harness import Result, measure
from feedback.models import Feedback, Status
from reports import selectors, tallies
from reports.periods import Period

TOTAL = int(os.environ.get("BENCH_SCALE", "100000"))
DAYS = 730  # two years of feedback
TIMINGS: dict[str, float] = {}  # how long building parts of the data set took (printed by run())


def build() -> dict:
    departments = builders.departments()
    agents = [user(f"agent{i}", Role.CS_AGENT) for i in range(10)]
    qe = user("qe", Role.QUALITY_ENGINEER)
    heads = [user(f"head{d.code}", Role.DEPT_HEAD, d) for d in departments]
    lines, models, faults = builders.catalogue()
    now = timezone.now()
    template = builders.template_feedback(models[0], agents[0], now)
    # Older feedback is mostly closed; the last weeks' still open.
    when = "t.feedback_time - (g %% %(days)s) * interval '1 day' - (g * 37 %% 1440) * interval '1 minute'"
    status = (
        "CASE WHEN g %% %(days)s < 20 THEN "
        + pick(
            [f"'{s}'" for s in ("registered", "verified", "assigned", "in_progress", "pending_close")],
            "g / 7",
        )
        + " WHEN g %% 97 = 0 THEN 'voided' WHEN g %% 89 = 0 THEN 'draft' ELSE 'closed' END"
    )
    overrides = {
        "status": status,
        "product_model_id": pick([str(m.pk) for m in models], "g * 7"),
        "channel": pick(
            ["'hotline'", "'hotline'", "'email'", "'online_chat'", "'dealer'", "'third_party'", "'other'"]
        ),
        **builders.registered_by(agents),
        "feedback_time": when,
        "registered_at": f"CASE WHEN g %% 89 = 0 THEN NULL ELSE {when} + "
        "CASE WHEN g %% 10 = 0 THEN interval '3 days' ELSE interval '2 hours' END END",
        "registration_due_at": f"{when} + interval '1 day'",
        **builders.classified(faults),
    }
    overrides = {column: sql.replace("%(days)s", str(DAYS)) for column, sql in overrides.items()}
    heads_by_dept = {d.pk: h.pk for d, h in zip(departments, heads, strict=True)}
    dept_ids = [str(d.pk) for d in departments[:4]]  # the four departments that get assignments
    head_of = "CASE " + " ".join(f"WHEN d = {d} THEN {heads_by_dept[int(d)]}" for d in dept_ids) + " END"
    tallies.set_triggers(False)  # a bulk load: the tallies are rebuilt once at the end (as timed below)
    try:
        _load(template, overrides, head_of, qe, dept_ids)
    finally:
        tallies.set_triggers(True)
    started = time.perf_counter()
    tallies.rebuild()
    TIMINGS["tallies_rebuild_s"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        for t in (
            "feedback_feedback",
            "feedback_assignment",
            "feedback_callback",
            "sla_slaclock",
            "corrective_actions_capa",
            "corrective_actions_measure",
            "corrective_actions_effectverification",
            "reports_fact",
            "reports_tally",
        ):
            cursor.execute(f"VACUUM ANALYZE {t}")
    return {"qe": qe, "head": heads[0], "lines": lines}


def _load(template, overrides, head_of, qe, dept_ids) -> None:
    """The bulk load: feedback, assignments, CAPA forms, verifications, measures, clocks, callbacks."""
    copy_feedback(template, TOTAL - 1, overrides)
    with connection.cursor() as cursor:
        # only a draft has no registration
        cursor.execute(
            "UPDATE feedback_feedback SET registered_at = feedback_time + interval '2 hours' "
            "WHERE registered_at IS NULL AND status <> 'draft'"
        )
        cursor.execute("UPDATE feedback_feedback SET registered_at = NULL WHERE status = 'draft'")
        cursor.execute("ANALYZE feedback_feedback")
        # the lead department of every feedback past verification (and a second one for one in five)
        cursor.execute(
            f"""
            INSERT INTO feedback_assignment (feedback_id, department_id, owner_id, is_lead, assigned_by_id, assigned_at)
            SELECT id, d, {head_of}, true, %(qe)s, feedback_time + interval '2 days'
            FROM (SELECT id, feedback_time, ({pick(dept_ids, "id")})::int AS d FROM feedback_feedback
                  WHERE status IN ('assigned', 'in_progress', 'pending_close', 'closed')) f
            """,
            {"qe": qe.pk},
        )
        # CAPA forms: one per feedback in progress or beyond (the lead department's), submitted 3 days after
        cursor.execute(
            """
            INSERT INTO corrective_actions_capa (number, title, lead_department_id, status, round, version,
                root_cause_category, root_cause_analysis, created_by_id, created_at, submitted_at, accepted_at,
                implemented_at, verified_effective_at, opened_for_id)
            SELECT 'CA' || lpad(f.id::text, 10, '0'), '纠正措施', a.department_id,
                   CASE WHEN f.status = 'closed' THEN 'effective' ELSE 'in_progress' END,
                   CASE WHEN f.id % 10 = 0 THEN 2 ELSE 1 END, 1, 'design', '', a.owner_id,
                   a.assigned_at, a.assigned_at + (f.id % 5) * interval '1 day', a.assigned_at + interval '4 days',
                   CASE WHEN f.status = 'closed' THEN a.assigned_at + interval '12 days' END,
                   CASE WHEN f.status = 'closed' THEN a.assigned_at + interval '15 days' END, f.id
            FROM feedback_feedback f JOIN feedback_assignment a ON a.feedback_id = f.id AND a.is_lead
            WHERE f.status IN ('in_progress', 'pending_close', 'closed')
            """
        )
        cursor.execute(
            "UPDATE feedback_feedback f SET capa_id = c.id FROM corrective_actions_capa c WHERE c.opened_for_id = f.id"
        )
        # effect verifications: a first round that failed for one in ten, then the effective one
        cursor.execute(
            """
            INSERT INTO corrective_actions_effectverification (capa_id, round, method, result, note, verified_by_id,
                verified_at)
            SELECT id, 1, 'internal_test', 'ineffective', '', %(qe)s, verified_effective_at - interval '5 days'
            FROM corrective_actions_capa WHERE status = 'effective' AND round = 2
            UNION ALL
            SELECT id, round, 'internal_test', 'effective', '', %(qe)s, verified_effective_at
            FROM corrective_actions_capa WHERE status = 'effective'
            """,
            {"qe": qe.pk},
        )
        # two measures per CAPA form: completed (one in six late) for closed feedback, open otherwise
        cursor.execute(
            """
            INSERT INTO corrective_actions_measure (capa_id, kind, description, owner_id, department_id, planned_date,
                state, completed_date, progress_note, round, withdrawn_reason, version, created_by_id, created_at)
            SELECT c.id, k.kind, '措施', c.created_by_id, c.lead_department_id,
                   (c.submitted_at + k.days * interval '1 day')::date,
                   CASE WHEN c.status = 'effective' THEN 'completed' WHEN c.id % 50 = 0 THEN 'withdrawn'
                        ELSE 'in_progress' END,
                   CASE WHEN c.status = 'effective' THEN (c.submitted_at + (k.days + CASE WHEN c.id % 6 = 0 THEN 3
                        ELSE -1 END) * interval '1 day')::date END,
                   '', 1, '', 1, c.created_by_id, c.created_at
            FROM corrective_actions_capa c, (VALUES ('short_term', 3), ('long_term', 10)) k(kind, days)
            """
        )
        clock = """
            INSERT INTO sla_slaclock (feedback_id, kind, measure_id, started_at, due_at, warn_at, stopped_at,
                outcome, warn_percent, provisional, basis, created_at)
        """
        outcome = "CASE WHEN {stop} IS NULL THEN 'running' WHEN {stop} <= {due} THEN 'met' ELSE 'missed' END"
        cursor.execute(
            clock
            + f"""
            SELECT id, 'registration', NULL::bigint, feedback_time, registration_due_at, feedback_time,
                   CASE WHEN status = 'voided' THEN registration_due_at ELSE registered_at END,
                   CASE WHEN status = 'voided' THEN 'cancelled' ELSE
                   {outcome.format(stop="registered_at", due="registration_due_at")} END, 50, false, '{{}}'::jsonb, feedback_time
            FROM feedback_feedback
            UNION ALL
            SELECT id, 'verification', NULL, registered_at, registered_at + interval '2 days', registered_at,
                   CASE WHEN status = 'registered' THEN NULL ELSE registered_at + (id % 3) * interval '1 day' END,
                   CASE WHEN status = 'registered' THEN 'running' WHEN id % 3 = 2 AND id % 2 = 0 THEN 'missed'
                        ELSE 'met' END, 50, false, '{{}}'::jsonb, registered_at
            FROM feedback_feedback WHERE registered_at IS NOT NULL AND status NOT IN ('draft', 'voided')
            UNION ALL
            SELECT id, 'emergency', NULL, registered_at, registered_at + interval '24 hours', registered_at,
                   registered_at + (id % 30) * interval '1 hour',
                   CASE WHEN id % 30 < 24 THEN 'met' ELSE 'missed' END, 50, false, '{{}}'::jsonb, registered_at
            FROM feedback_feedback WHERE severity = 'III' AND status NOT IN ('draft', 'voided', 'registered')
            UNION ALL
            SELECT a.feedback_id, 'capa_form', NULL, a.assigned_at, a.assigned_at + interval '3 days',
                   a.assigned_at, c.submitted_at,
                   CASE WHEN c.id IS NULL THEN 'running' WHEN c.submitted_at <= a.assigned_at + interval '3 days'
                        THEN 'met' ELSE 'missed' END, 50, false, '{{}}'::jsonb, a.assigned_at
            FROM feedback_assignment a LEFT JOIN corrective_actions_capa c ON c.opened_for_id = a.feedback_id
            WHERE a.is_lead
            UNION ALL
            SELECT c.opened_for_id, 'measure', m.id, c.accepted_at, m.planned_date + interval '1 day' - interval '1 second',
                   c.accepted_at, m.completed_date + interval '12 hours',
                   CASE WHEN m.state = 'withdrawn' THEN 'cancelled' WHEN m.completed_date IS NULL THEN 'running'
                        WHEN m.completed_date <= m.planned_date THEN 'met' ELSE 'missed' END,
                   50, false, '{{}}'::jsonb, c.accepted_at
            FROM corrective_actions_measure m JOIN corrective_actions_capa c ON c.id = m.capa_id
            UNION ALL
            SELECT opened_for_id, 'effect_verification', NULL, implemented_at, implemented_at + interval '5 days',
                   implemented_at, verified_effective_at, 'met', 50, false, '{{}}'::jsonb, implemented_at
            FROM corrective_actions_capa WHERE implemented_at IS NOT NULL
            """.replace("%%", "%")
        )
        # callbacks for closed feedback: 满意 / 基本满意 / 不满意 / unreachable
        cursor.execute(
            """
            INSERT INTO feedback_callback (feedback_id, state, opened_at, satisfaction, comment, closed_at, closed_by_id)
            SELECT id, CASE WHEN id % 17 = 0 THEN 'unreachable' ELSE 'done' END, feedback_time + interval '20 days',
                   CASE WHEN id % 17 = 0 THEN '' ELSE (ARRAY['satisfied','satisfied','satisfied','basic','unsatisfied'])[1 + id % 5] END,
                   '', feedback_time + interval '21 days', cs_owner_id
            FROM feedback_feedback WHERE status = 'closed'
            """
        )
        cursor.execute(
            clock
            + """
            SELECT feedback_id, 'callback', NULL, opened_at, opened_at + interval '3 days', opened_at, closed_at,
                   'met', 50, false, '{}'::jsonb, opened_at
            FROM feedback_callback
            """
        )


def run() -> list[Result]:
    started = time.perf_counter()
    data = build()
    built_s = time.perf_counter() - started
    assert Feedback.objects.count() == TOTAL
    from sla.models import SlaClock

    clocks = SlaClock.objects.count()
    size = f"{TOTAL:,} feedbacks, {clocks:,} clocks"
    rebuild_s = TIMINGS["tallies_rebuild_s"]
    print(f"  data set built in {built_s:.0f} s (tallies rebuilt in {rebuild_s:.1f} s): {size}", flush=True)
    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    month = Period.month(last.year, last.month)

    figures = selectors.dashboard(month, selectors.scope_for(data["qe"]))
    # the figures are real: last month has its share of the feedback, clocks and callbacks
    expected = TOTAL * month.days / DAYS
    assert 0.7 * expected < figures["volume_per_day"]["total"] < 1.3 * expected, figures["volume_per_day"][
        "total"
    ]
    assert sum(c["total"] for c in figures["sla_compliance"]["clocks"]) > figures["volume_per_day"]["total"]
    assert figures["satisfaction"]["total"] > 0 and figures["top_faults"]["items"][0]["count"] > 0
    assert figures["backlog"]["total"] > 0
    # the tallies are the records' figures: the same dashboard counted directly (REPORTS_TALLIES off)
    started = time.perf_counter()
    with override_settings(REPORTS_TALLIES=False):
        direct = selectors.dashboard(month, selectors.scope_for(data["qe"]))
    direct_s = time.perf_counter() - started
    for name in selectors.FIGURES:
        if name != "backlog":
            assert direct[name] == figures[name], name
    print(f"  the same figures counted directly from the records: {direct_s * 1000:.0f} ms", flush=True)

    changed = list(
        Feedback.objects.filter(status=Status.CLOSED).order_by("-id").values_list("pk", flat=True)[:100]
    )

    def change_100():
        """100 feedbacks reclassified since the last flush (beat flushes every minute): the next reader pays."""
        Feedback.objects.filter(pk__in=changed).update(
            category=Case(When(category="service", then=Value("functional")), default=Value("service"))
        )

    def update_100_one_by_one():
        for pk in changed:
            Feedback.objects.filter(pk=pk).update(
                channel=Case(When(channel="email", then=Value("hotline")), default=Value("email"))
            )

    results = [
        measure(
            "dashboard: every figure, last month, quality engineer",
            lambda: selectors.dashboard(month, selectors.scope_for(data["qe"])),
            size=size,
            note=f"data set built in {built_s:.0f} s",
        ),
        measure(
            "dashboard: a department head (their department)",
            lambda: selectors.dashboard(month, selectors.scope_for(data["head"])),
            size=size,
        ),
        measure(
            "dashboard: one product line",
            lambda: selectors.dashboard(month, selectors.scope_for(data["qe"], data["lines"][1].pk)),
            size=size,
        ),
        measure(
            "dashboard: last 90 days",
            lambda: selectors.dashboard(Period.last_days(90, today), selectors.scope_for(data["qe"])),
            size=size,
        ),
        measure(
            "dashboard: last month, right after 100 feedbacks changed (their refresh included)",
            lambda: selectors.dashboard(month, selectors.scope_for(data["qe"])),
            size=size,
            setup=change_100,
        ),
        measure(
            "tallies: flush of 100 changed feedbacks",
            tallies.flush,
            size=size,
            setup=change_100,
        ),
        measure(
            "tallies: 100 single-row updates of a counted field (the writers' cost, triggers queueing)",
            update_100_one_by_one,
            size=size,
            ops=100,
            setup=tallies.flush,
        ),
    ]
    tallies.set_triggers(False)
    try:
        results.append(
            measure(
                "tallies: the same 100 updates with the triggers off (the floor)",
                update_100_one_by_one,
                size=size,
                ops=100,
            )
        )
    finally:
        tallies.set_triggers(True)
    return results
