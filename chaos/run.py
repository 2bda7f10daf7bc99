"""`make chaos`: faults, each run many times (CHAOS_RUNS, default 50), with figures: lost and duplicated.

The system runs as in production (gunicorn, a Celery worker, Celery beat) on a private PostgreSQL cluster and a
private Redis (chaos/servers.py) that only this harness starts, stops and restarts; e-mails go to files
(Django's file backend) so that every one sent can be counted. Faults (``make chaos FAULTS="redis beat"``):

- ``redis``: Redis stopped while a quality engineer grades a feedback Ⅲ through the web (management must be told
  at once, by e-mail): the grading is saved, and after Redis returns the e-mail goes out once;
- ``worker``: the worker killed (SIGKILL, pool included) while it runs an SLA sweep over new overdue clocks: after
  it is restarted every clock's notices exist once and their e-mails go out once;
- ``postgres``: PostgreSQL restarted while web and worker run: both serve again without being restarted
  (persistent connections checked before reuse: CONN_HEALTH_CHECKS), a registration right after is saved;
- ``beat``: a second beat started beside the first: the overdue clocks of every run are notified once.

Figures go to bench-results/chaos.json and are printed (they are from a shared machine: timings vary)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chaos import processes
from chaos.faults import FAULTS
from chaos.servers import PrivatePostgres, PrivateRedis, free_port
from chaos.world import BASE_DIR, INHERIT_NOT, World, say


# --- the harness ------------------------------------------------------------------------------------------------
def main() -> int:
    runs = int(os.environ.get("CHAOS_RUNS", "50"))
    chosen = (os.environ.get("FAULTS") or " ".join(FAULTS)).split()
    root = Path(tempfile.mkdtemp(prefix="aftersales-chaos-"))
    os.chmod(root, 0o755)
    logs, mail = root / "logs", root / "mail"
    logs.mkdir()
    mail.mkdir()
    pg, redis = PrivatePostgres(root), PrivateRedis(root)
    started: list = []
    results: dict = {}
    try:
        say(f"private PostgreSQL on {pg.port}, private Redis on {redis.port}, in {root}")
        pg.init()
        pg.start()
        pg.create_database()
        redis.start()
        env = {k: v for k, v in os.environ.items() if k not in INHERIT_NOT}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DATABASE_URL=pg.url(),
            CELERY_BROKER_URL=redis.url(),
            CACHE_URL="dbcache://django_cache",
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail),
            SLA_SWEEP_SECONDS="1",
            EMAIL_FLUSH_SECONDS="1",
            OPS_HEARTBEAT_SECONDS="1",
            NOTIFY_WORKDAY_START="00:00",
            NOTIFY_WORKDAY_END="23:59",
            LOGIN_IP_FAILURES="100000",
            CELERY_BROKER_TRANSPORT_OPTIONS="{}",
            PYTHONUNBUFFERED="1",
            MEDIA_ROOT=str(root / "media"),
        )
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable")
        world = World()
        port = free_port()
        web = processes.web(env, logs, port).start()
        worker = processes.worker(env, logs).start()
        beat = processes.beat(env, logs).start()
        started += [web, worker, beat]
        worker.wait_log(r"ready\.", timeout=120)
        beat.wait_log(r"beat: Starting", timeout=60)
        ctx = {
            "world": world,
            "pg": pg,
            "redis": redis,
            "base": f"http://127.0.0.1:{port}",
            "env": env,
            "logs": logs,
            "mail": mail,
            "worker": worker,
            "beat": beat,
        }
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{ctx['base']}/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        for name in chosen:
            say(f"fault {name}: {runs} runs")
            began = time.monotonic()
            try:
                results[name] = FAULTS[name](ctx, runs)
            except Exception:
                results[name] = {"runs": runs, "error": traceback.format_exc(limit=5)}
            results[name]["seconds"] = round(time.monotonic() - began, 1)
            say(f"fault {name}: {json.dumps(results[name], ensure_ascii=False)}")
    finally:
        for process in reversed(started):
            process.stop()
        redis.stop()
        pg.stop()
        if os.environ.get("CHAOS_KEEP") != "1":
            shutil.rmtree(root, ignore_errors=True)
        else:
            say(f"kept {root}")
    out = BASE_DIR / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "chaos.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    say("fault      runs  lost  duplicated")
    for name, figures in results.items():
        say(
            f"{name:<10} {figures.get('runs', '?'):>4}  {figures.get('lost', 'ERR'):>4}  {figures.get('duplicated', 'ERR'):>10}"
        )
    bad = [n for n, f in results.items() if f.get("error") or f.get("lost") or f.get("duplicated")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
