"""The faults of `make chaos` (chaos/run.py explains each): one function per fault, ``(ctx, runs) → figures``."""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import requests

from chaos import processes
from chaos.world import Browser, fresh_db, say, sent_mail, wait_until


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
