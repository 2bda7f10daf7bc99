"""The monthly analysis workbook (reports.workbook.workbook_build) for a month of 100,000 feedbacks
(``BENCH_WORKBOOK_SIZE`` for another size), against an openpyxl write-only dump of the same rows measured in the
same run (the same ``reports.selectors.feedback_rows`` query, one ``ws.append`` per row, nothing else): the target
is the workbook within 1.5× of the dump. Then the peak memory (maximum resident set size) of a fresh process that
builds the workbook, as a worker would: the target is under 250 MB.

The data: 100,000 registered feedbacks in October 2026 (categories, 5 % unclassified, severities, 30 fault
phenomena, 20 models in 3 lines, six channels), a lead department assigned for one in three (a second department
for one in fifteen), a registration and a verification clock for each (met, missed or still running), a callback
for one in four; 200 CAPA forms."""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.roles import Role
from bench import builders
from bench.builders import copy_feedback, pick, user
from bench.harness import Result, report
from reports import selectors
from reports.periods import Period
from reports.selectors import Scope
from reports.workbook import workbook_build

SIZE = int(os.environ.get("BENCH_WORKBOOK_SIZE", "100000"))
PERIOD = Period.month(2026, 10)
RATIO_TARGET = 1.5
ROUNDS = int(os.environ.get("BENCH_WORKBOOK_ROUNDS", "3"))
RSS_TARGET_MB = 250
BASE_DIR = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


def build() -> None:
    departments = builders.departments(4)
    heads = [user(f"head{d.code}", Role.DEPT_HEAD, d) for d in departments]
    agents = [user(f"agent{i}", Role.CS_AGENT) for i in range(10)]
    qe = user("qe", Role.QUALITY_ENGINEER)
    _lines, models, faults = builders.catalogue()
    start = dt.datetime(2026, 10, 1, tzinfo=SHANGHAI)
    template = builders.template_feedback(models[0], agents[0], start)
    seconds = 31 * 86400 - 1
    when = f"t.feedback_time + ((g::bigint * 26777) %% {seconds}) * interval '1 second'"
    overrides = {
        "status": pick(
            ["'registered'", "'verified'", "'assigned'", "'in_progress'", "'closed'", "'closed'"], "g / 3"
        ),
        "product_model_id": pick([str(m.pk) for m in models], "g * 7"),
        "channel": pick(["'hotline'", "'hotline'", "'email'", "'online_chat'", "'dealer'", "'third_party'"]),
        **builders.registered_by(agents),
        "feedback_time": when,
        "registered_at": f"{when} + interval '2 hours'",
        "registration_due_at": f"{when} + interval '1 day'",
        **builders.classified(faults),
    }
    dept_ids = [str(d.pk) for d in departments]
    head_of = (
        "CASE "
        + " ".join(f"WHEN d = {d.pk} THEN {h.pk}" for d, h in zip(departments, heads, strict=True))
        + " END"
    )
    copy_feedback(template, SIZE - 1, overrides)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO feedback_assignment (feedback_id, department_id, owner_id, is_lead, assigned_by_id, assigned_at)
            SELECT id, d, {head_of}, lead, %(qe)s, feedback_time + interval '2 days'
            FROM (SELECT id, feedback_time, ({pick(dept_ids, "id")})::int AS d, true AS lead
                  FROM feedback_feedback WHERE id %% 3 = 0
                  UNION ALL
                  SELECT id, feedback_time, ({pick(dept_ids, "id + 1")})::int, false
                  FROM feedback_feedback WHERE id %% 15 = 0) f
            """,
            {"qe": qe.pk},
        )
        clock = """
            INSERT INTO sla_slaclock (feedback_id, kind, started_at, due_at, warn_at, stopped_at, outcome,
                warn_percent, provisional, basis, created_at)
            SELECT id, %s, feedback_time, feedback_time + interval '1 day', feedback_time,
                   CASE WHEN id %% 11 = 0 THEN NULL ELSE feedback_time + (id %% 3) * interval '14 hours' END,
                   CASE WHEN id %% 11 = 0 THEN 'running' WHEN id %% 3 = 2 THEN 'missed' ELSE 'met' END,
                   50, false, '{}', feedback_time
            FROM feedback_feedback
        """
        cursor.execute(clock, ["registration"])
        cursor.execute(clock, ["verification"])
        cursor.execute(
            """
            INSERT INTO feedback_callback (feedback_id, state, opened_at, satisfaction, comment, closed_at,
                closed_by_id)
            SELECT id, CASE WHEN id %% 16 = 0 THEN 'unreachable' ELSE 'done' END, feedback_time + interval '2 days',
                   CASE WHEN id %% 16 = 0 THEN '' ELSE (ARRAY['satisfied','basic','unsatisfied'])[1 + id %% 3] END,
                   '', feedback_time + interval '3 days', cs_owner_id
            FROM feedback_feedback WHERE id %% 4 = 0 AND feedback_time < %s
            """,
            [dt.datetime(2026, 10, 28, tzinfo=SHANGHAI)],
        )
        cursor.execute("ANALYZE")


def dump(path: Path) -> int:
    """The baseline: the same rows, the plainest write-only dump openpyxl can make (local times, no styles)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("rows")
    keys = [key for key, _title in selectors.FEEDBACK_ROW_COLUMNS]
    ws.append([str(title) for _key, title in selectors.FEEDBACK_ROW_COLUMNS])
    count = 0
    for record in selectors.feedback_rows(PERIOD, Scope()):
        ws.append(
            [
                timezone.localtime(v).replace(tzinfo=None) if isinstance(v, dt.datetime) else v
                for v in (record[k] for k in keys)
            ]
        )
        count += 1
    wb.save(path)
    return count


CHILD = """
import json, resource, sys, time
import django
django.setup()
from reports.periods import Period
from reports.workbook import workbook_build
start = time.perf_counter()
workbook_build(Period.month(2026, 10), sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - start,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def peak_rss(path: Path) -> dict:
    """Build the workbook in a fresh Python process (the worker's situation) and read its maximum RSS."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _timed(fn) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run() -> list[Result]:
    build()
    scope = Scope()
    total = selectors.category_share(PERIOD, scope)["total"]
    assert total == SIZE, total
    folder = Path(tempfile.mkdtemp(prefix="bench-workbook-"))
    size = f"{SIZE:,} feedbacks in {PERIOD.label}"
    assert dump(folder / "dump.xlsx") == SIZE  # warm-up (and the check that the dump has every row)
    with CaptureQueriesContext(connection) as captured:
        workbook_build(PERIOD, folder / "report.xlsx")
    queries = len(captured.captured_queries)
    book = load_workbook(folder / "report.xlsx", read_only=True)
    records = sum(1 for _ in book["明细"].iter_rows(min_row=2))
    assert records == SIZE, records
    # The machine is shared: the three are measured in turns, so that a busy minute weighs on all of them.
    rows, dumps, workbooks = [], [], []
    for _ in range(ROUNDS):
        rows.append(_timed(lambda: sum(1 for _ in selectors.feedback_rows(PERIOD, scope))))
        dumps.append(_timed(lambda: dump(folder / "dump.xlsx")))
        workbooks.append(_timed(lambda: workbook_build(PERIOD, folder / "report.xlsx")))
    query = report("明细 rows alone: feedback_rows() read, nothing written", rows, size=size, queries=1)
    baseline = report("openpyxl write-only dump of the same rows", dumps, size=size, queries=1)
    ratio = statistics.median(workbooks) / baseline.median_s
    verdict = "met" if ratio <= RATIO_TARGET else "MISSED"
    workbook = report(
        "monthly workbook (9 sheets, 7 charts, 明细)",
        workbooks,
        size=size,
        note=f"{ratio:.2f}× the dump (target ≤ {RATIO_TARGET}×: {verdict})",
        queries=queries,
    )
    child = peak_rss(folder / "child.xlsx")
    rss_mb = child["maxrss_kib"] / 1024
    memory = Result(
        name="peak RSS of a fresh process building the workbook",
        size=size,
        median_s=child["seconds"],
        min_s=child["seconds"],
        max_s=child["seconds"],
        repeat=1,
        peak_kib=child["maxrss_kib"],
        note=f"{rss_mb:.0f} MB (target < {RSS_TARGET_MB} MB: {'met' if rss_mb < RSS_TARGET_MB else 'MISSED'})",
    )
    print("  " + memory.line(), flush=True)
    for name in ("dump.xlsx", "report.xlsx", "child.xlsx"):
        (folder / name).unlink(missing_ok=True)
    folder.rmdir()
    return [query, baseline, workbook, memory]
