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

import email
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from email.header import decode_header, make_header
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chaos import processes
from chaos.servers import PrivatePostgres, PrivateRedis, free_port

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "Chaos-2026-pw"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
INHERIT_NOT = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
}


def say(message: str) -> None:
    sys.stdout.write(f"[chaos] {message}\n")
    sys.stdout.flush()


# --- counting what was sent -------------------------------------------------------------------------------------
def sent_mail(folder: Path) -> Counter:
    """(recipient, subject) → how many e-mails were sent."""
    counts: Counter = Counter()
    for path in folder.glob("*.log"):
        for chunk in path.read_bytes().split(SEPARATOR):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk)
            subject = str(make_header(decode_header(message.get("Subject", ""))))
            counts[(message.get("To", ""), subject)] += 1
    return counts


def mail_of(counts: Counter, number: str) -> list[int]:
    return [n for (to, subject), n in counts.items() if number in subject]


# --- the world --------------------------------------------------------------------------------------------------
class World:
    def __init__(self):
        from accounts.roles import Role
        from tests.factories import (
            DepartmentFactory,
            FaultPhenomenonFactory,
            ProductModelFactory,
            UserFactory,
        )

        cs = DepartmentFactory(code="cs", name="客服部")
        quality = DepartmentFactory(code="quality", name="质量部")
        self.agent = UserFactory(username="c_agent", role=Role.CS_AGENT, department=cs, password=PASSWORD)
        self.supervisor = UserFactory(
            username="c_super", role=Role.CS_SUPERVISOR, department=cs, password=PASSWORD
        )
        self.quality = UserFactory(
            username="c_quality", role=Role.QUALITY_ENGINEER, department=quality, password=PASSWORD
        )
        self.boss = UserFactory(username="c_boss", role=Role.MANAGEMENT, password=PASSWORD)
        self.model = ProductModelFactory()
        self.phenomenon = FaultPhenomenonFactory(name="漏电")

    def feedbacks(self, n: int, **fields):
        from tests.factories import FeedbackFactory

        return [
            FeedbackFactory(registered_by=self.agent, product_model=self.model, **fields) for _ in range(n)
        ]

    def overdue_clocks(self, n: int):
        """``n`` feedbacks whose registration deadline passed days ago: the next sweep finds them overdue."""
        import datetime as dt

        from django.utils import timezone

        from sla.models import ClockKind
        from sla.services import clock_start

        made = self.feedbacks(n, feedback_time=timezone.now() - dt.timedelta(days=6))
        return [clock_start(feedback=f, kind=ClockKind.REGISTRATION, start=f.feedback_time) for f in made]


class Browser:
    """A logged-in person on the web server (session cookie, CSRF token)."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.session = requests.Session()
        page = self.session.get(f"{base}/login/", timeout=30)
        self.session.post(
            f"{base}/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self._token(page.text)},
            headers={"Referer": f"{base}/login/"},
            timeout=30,
        ).raise_for_status()
        assert "sessionid" in self.session.cookies, f"{username} could not log in"

    @staticmethod
    def _token(html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def post_form(self, path: str, data: dict, timeout: float = 30) -> requests.Response:
        page = self.session.get(f"{self.base}{path}", timeout=timeout)
        return self.session.post(
            f"{self.base}{path}",
            data={**data, "csrfmiddlewaretoken": self._token(page.text)},
            headers={"Referer": f"{self.base}{path}"},
            allow_redirects=False,
            timeout=timeout,
        )


def fresh_db() -> None:
    from django.db import close_old_connections, connections

    close_old_connections()
    for connection in connections.all():
        connection.close_if_unusable_or_obsolete()


def wait_until(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh_db()
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()


# --- the faults -------------------------------------------------------------------------------------------------
def _all_notified(ids: list[int]):
    from sla.models import SlaClock

    return lambda: SlaClock.objects.filter(pk__in=ids, overdue_notified_at__isnull=False).count() == len(ids)


def _worker_beat_after(moment: float):
    from ops.models import Heartbeat

    def check() -> bool:
        row = Heartbeat.objects.filter(name="worker").first()
        return row is not None and row.at.timestamp() > moment

    return check


def fault_redis(ctx, runs: int) -> dict:
    from feedback.models import Feedback
    from notifications.models import Notification

    world, redis = ctx["world"], ctx["redis"]
    quality = Browser(ctx["base"], world.quality.username)
    targets = world.feedbacks(runs)
    saved, latencies = 0, []
    for feedback in targets:
        redis.stop()
        started = time.monotonic()
        response = quality.post_form(
            f"/feedback/{feedback.number}/classify/",
            {
                "category": "functional",
                "fault_phenomenon": world.phenomenon.pk,
                "severity": "III",
                "version": feedback.version,
            },
        )
        latencies.append(time.monotonic() - started)
        saved += response.status_code == 302
        redis.start()
    numbers = [f.number for f in targets]

    def all_emailed():
        return Notification.objects.filter(
            recipient=world.boss, feedback__number__in=numbers, kind="emergency", emailed_at__isnull=False
        ).count() == len(numbers)

    wait_until(all_emailed, timeout=180)
    time.sleep(3)  # any second sending would have happened by now
    mail = sent_mail(ctx["mail"])
    graded = Feedback.objects.filter(number__in=numbers, severity="III").count()
    per_feedback = [
        sum(n for (to, subject), n in mail.items() if number in subject and to == world.boss.email)
        for number in numbers
    ]
    return {
        "runs": runs,
        "saved": graded,
        "answered_302": saved,
        "lost": sum(1 for n in per_feedback if n == 0) + (runs - graded),
        "duplicated": sum(max(0, n - 1) for n in per_feedback),
        "save_seconds_max": round(max(latencies), 2),
    }


def fault_worker(ctx, runs: int) -> dict:
    from notifications.models import Notification
    from sla.models import SlaClock

    world, worker = ctx["world"], ctx["worker"]
    lost = duplicated_notices = killed_in_sweep = 0
    all_numbers = []
    for run in range(runs):
        clocks = world.overdue_clocks(20)
        numbers = [c.feedback.number for c in clocks]
        all_numbers += numbers
        mark = len(worker.log())
        worker.wait_log(r"Task sla\.tasks\.sweep_clocks\[[^\]]+\] received", timeout=30, since=mark)
        time.sleep(random.uniform(0, 0.08))
        before_kill = worker.log()[mark:]
        killed_in_sweep += "sweep_clocks" in before_kill and not re.search(
            r"sweep_clocks\[[^\]]+\] succeeded", before_kill
        )
        worker.kill()
        worker.start()
        worker.wait_log(r"ready\.", timeout=90, since=mark)
        ids = [c.pk for c in clocks]

        if not wait_until(_all_notified(ids), timeout=60):
            lost += SlaClock.objects.filter(pk__in=ids, overdue_notified_at__isnull=True).count()
        say(f"worker: run {run + 1}/{runs}")
    fresh_db()
    keys = Counter(
        Notification.objects.filter(feedback__number__in=all_numbers).values_list("recipient_id", "dedup_key")
    )
    duplicated_notices = sum(n - 1 for n in keys.values() if n > 1)
    waiting = Notification.objects.filter(
        feedback__number__in=all_numbers, email_due_at__isnull=False, emailed_at__isnull=True
    )
    wait_until(lambda: not waiting.exists(), timeout=60)
    # A mail claimed by the killed worker waits for its claim to expire (EMAIL_CLAIM_LEASE, 5 minutes), then goes.
    held_by_a_killed_worker = waiting.count()
    if held_by_a_killed_worker:
        from notifications.services import EMAIL_CLAIM_LEASE

        wait_until(lambda: not waiting.exists(), timeout=EMAIL_CLAIM_LEASE.total_seconds() + 120)
    time.sleep(3)
    unsent = waiting.count()
    mail = sent_mail(ctx["mail"])
    per_mail = [n for (to, subject), n in mail.items() if any(number in subject for number in all_numbers)]
    expected = (
        Notification.objects.filter(feedback__number__in=all_numbers).exclude(recipient__email="").count()
    )
    return {
        "runs": runs,
        "clocks": len(all_numbers),
        "notices": sum(keys.values()),
        "emails": sum(per_mail),
        "emails_sent_after_the_claim_lease": held_by_a_killed_worker,
        "lost": lost + max(unsent, expected - len(per_mail)),
        "duplicated": duplicated_notices + sum(n - 1 for n in per_mail if n > 1),
        "duplicated_emails": sum(n - 1 for n in per_mail if n > 1),
        "killed_before_the_sweep_finished": killed_in_sweep,
    }


def fault_postgres(ctx, runs: int) -> dict:
    from feedback.models import Feedback

    world, pg, base = ctx["world"], ctx["pg"], ctx["base"]
    agent = Browser(base, world.agent.username)
    web_recovered = worker_recovered = lost = failed_after = 0
    recovery = []
    for run in range(runs):
        restarted_at = time.time()
        pg.restart()
        began = time.monotonic()
        ok = False
        while time.monotonic() - began < 30:
            try:
                if requests.get(f"{base}/healthz/?scope=web", timeout=5).status_code == 200:
                    ok = True
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        recovery.append(time.monotonic() - began)
        web_recovered += ok
        name = f"重启客户{run}"
        response = agent.post_form(
            "/feedback/new/",
            {
                "customer_name": name,
                "contact_phone": "13812345678",
                "product_model": world.model.pk,
                "purchase_date": "2026-01-02",
                "channel": "hotline",
                "description": "重启后登记",
                "customer_requests": "repair",
                "action": "register",
            },
        )
        failed_after += response.status_code != 302
        fresh_db()
        lost += response.status_code == 302 and not Feedback.objects.filter(customer_name=name).exists()

        worker_recovered += bool(wait_until(_worker_beat_after(restarted_at), timeout=30))
        say(f"postgres: run {run + 1}/{runs}")
    return {
        "runs": runs,
        "web_recovered": web_recovered,
        "worker_recovered": worker_recovered,
        "failed_requests_after_recovery": failed_after,
        "lost": lost + (runs - web_recovered) + (runs - worker_recovered),
        "duplicated": 0,
        "web_recovery_seconds_max": round(max(recovery), 2),
    }


def fault_beat(ctx, runs: int) -> dict:
    from notifications.models import Notification
    from sla.models import SlaClock

    world = ctx["world"]
    second = processes.beat(ctx["env"], ctx["logs"], name="beat2").start()
    second.wait_log(r"beat: Starting", timeout=60)
    lost, numbers = 0, []
    try:
        for run in range(runs):
            clocks = world.overdue_clocks(5)
            numbers += [c.feedback.number for c in clocks]
            ids = [c.pk for c in clocks]
            if not wait_until(_all_notified(ids), timeout=60):
                lost += SlaClock.objects.filter(pk__in=ids, overdue_notified_at__isnull=True).count()
            if run % 10 == 9:
                say(f"beat: run {run + 1}/{runs}")
        wait_until(
            lambda: (
                not Notification.objects.filter(
                    feedback__number__in=numbers, email_due_at__isnull=False, emailed_at__isnull=True
                ).exists()
            ),
            timeout=120,
        )
        time.sleep(3)
    finally:
        second.stop()
    fresh_db()
    keys = Counter(
        Notification.objects.filter(feedback__number__in=numbers).values_list("recipient_id", "dedup_key")
    )
    mail = sent_mail(ctx["mail"])
    per_mail = [n for (to, subject), n in mail.items() if any(number in subject for number in numbers)]
    sweeps = len(re.findall(r"Sending due task sla-sweep", ctx["beat"].log() + second.log()))
    return {
        "runs": runs,
        "clocks": len(numbers),
        "sweeps_sent_by_both_beats": sweeps,
        "lost": lost,
        "duplicated": sum(n - 1 for n in keys.values() if n > 1) + sum(n - 1 for n in per_mail if n > 1),
    }


FAULTS = {"redis": fault_redis, "worker": fault_worker, "postgres": fault_postgres, "beat": fault_beat}


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
