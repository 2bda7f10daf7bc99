"""Beat starts last month's report on the 1st at 01:00, Asia/Shanghai; the task is routed to the reports queue
when one is named."""

import json
import os
import subprocess
import sys

import reports.tasks  # noqa: F401  (registers the tasks with the app)
from config.celery import app

CODE = """
import json
from config.settings import base
entry = base.CELERY_BEAT_SCHEDULE["reports-monthly"]
s = entry["schedule"]
print(json.dumps({
    "task": entry["task"],
    "minute": sorted(s.minute), "hour": sorted(s.hour), "day_of_month": sorted(s.day_of_month),
    "month_of_year": sorted(s.month_of_year), "day_of_week": sorted(s.day_of_week),
    "timezone": base.CELERY_TIMEZONE,
    "resume": base.CELERY_BEAT_SCHEDULE["reports-resume"]["task"],
    "routes": base.CELERY_TASK_ROUTES,
}))
"""


def _settings(**env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CODE],
        env={**os.environ, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://:memory:", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_beat_entry_runs_the_monthly_task_on_the_first_at_one_in_shanghai():
    entry = _settings(CELERY_REPORTS_QUEUE="")
    assert entry["task"] == "reports.tasks.build_monthly_report"
    assert (entry["minute"], entry["hour"], entry["day_of_month"]) == ([0], [1], [1])
    assert entry["month_of_year"] == list(range(1, 13)) and entry["day_of_week"] == list(range(7))
    assert entry["timezone"] == "Asia/Shanghai"
    assert entry["resume"] == "reports.tasks.resume_reports"
    assert "reports.tasks.*" not in entry["routes"]
    for name in (entry["task"], entry["resume"], "reports.tasks.build_report"):
        assert name in app.tasks


def test_the_reports_tasks_go_to_the_reports_queue_when_it_is_named():
    assert _settings(CELERY_REPORTS_QUEUE="reports")["routes"]["reports.tasks.*"] == {"queue": "reports"}
