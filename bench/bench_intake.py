"""Every channel in (issue 8), at 100,000 feedbacks:

- similar-feedback lookup (the selector, then the whole panel request), and the query plan: indexes, no scan;
- integration API create: one client (median per request), then 8 concurrent clients (throughput), every PF
  number distinct;
- Excel import of 10,000 rows: the check (preview) and the import, time and peak memory."""

from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import threading
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.db.models import Q
from django.test import Client, override_settings
from django.utils import timezone

from accounts.roles import Role
from bench import builders
from bench.builders import copy_feedback, pick, user
from bench.harness import Result, measure
from catalog.models import FaultPhenomenon, ProductLine, ProductModel
from feedback.models import Feedback, Status
from feedback.selectors import feedback_visible_to
from feedback.selectors_similar import similar_feedback

TOTAL = 100_000
MODELS = 20
PHENOMENA = 30
IMPORT_ROWS = 10_000
API_CLIENTS = 8
API_PER_CLIENT = 25


def build() -> dict:
    agent = user("agent", Role.CS_AGENT)
    qe = user("qe", Role.QUALITY_ENGINEER)
    admin = user("admin", Role.ADMINISTRATOR)
    line = ProductLine.objects.create(code="aircon", name="空调")
    models = [
        ProductModel.objects.create(line=line, code=f"KFR-{i:02d}GW", name="空调") for i in range(MODELS)
    ]
    phenomena = [FaultPhenomenon.objects.create(name=f"故障{i}") for i in range(PHENOMENA)]
    now = timezone.now()
    template = builders.template_feedback(models[0], agent, now, fault_phenomenon=phenomena[0])
    when = "t.feedback_time - (g %% 365) * interval '1 day' - (g %% 1440) * interval '1 minute'"
    overrides = {
        "status": pick(["'registered'", "'verified'", "'assigned'", "'closed'"]),
        "contact_phone": "'13' || lpad((g * 7919 %% 1000000000)::text, 9, '0')",
        "product_model_id": pick([str(m.pk) for m in models]),
        "fault_phenomenon_id": f"(ARRAY[{','.join(str(p.pk) for p in phenomena)}])[1 + (g / 7) %% {PHENOMENA}]",
        "serial_number": "'B' || (g %% 50)::text",
        "feedback_time": when,
        "registered_at": when,
        "registration_due_at": f"{when} + interval '1 day'",
    }
    copy_feedback(template, TOTAL - 1, overrides)
    with connection.cursor() as cursor:
        cursor.execute(f'VACUUM ANALYZE "{Feedback._meta.db_table}"')
    return {"agent": agent, "qe": qe, "admin": admin, "models": models, "phenomena": phenomena}


# --- similar feedback ---------------------------------------------------------------------------------------------
def bench_similar(data: dict) -> list[Result]:
    qe = data["qe"]
    probe = Feedback.objects.filter(status=Status.REGISTERED).order_by("-feedback_time")[10]
    qe.has_perm("feedback.view_all_feedback"), qe.roles  # once per request in real life

    def lookup():
        result = similar_feedback(
            user=qe,
            phone=probe.contact_phone,
            product_model_id=probe.product_model_id,
            fault_phenomenon_id=probe.fault_phenomenon_id,
            at=probe.feedback_time + dt.timedelta(minutes=1),
        )
        assert probe.pk in [m.feedback.pk for m in result.matches]

    size = f"{TOTAL:,} feedbacks"
    results = [
        measure("similar feedback: lookup (phone or model + fault, 90 days)", lookup, size=size, repeat=20)
    ]

    def lookup_batch():
        result = similar_feedback(
            user=qe,
            phone="",
            product_model_id=probe.product_model_id,
            fault_phenomenon_id=probe.fault_phenomenon_id,
            serial_number=probe.serial_number,
            at=probe.feedback_time + dt.timedelta(minutes=1),
        )
        assert result.matches

    results.append(measure("similar feedback: lookup with batch number", lookup_batch, size=size, repeat=20))
    plan = _plan(probe, qe)
    assert "Seq Scan on feedback_feedback" not in plan, plan
    assert "on feedback_phone" in plan and "on feedback_model_fault_time" in plan, plan  # either phone index
    results[0].note = "plan: BitmapOr of the phone index and feedback_model_fault_time, no seq scan"

    client = Client()
    client.force_login(qe)

    def panel():
        response = client.get(f"/feedback/{probe.number}/similar/")
        assert response.status_code == 200 and b"similar-item" in response.content

    results.append(measure("similar feedback: panel request (htmx fragment)", panel, size=size, repeat=20))
    return results


def _plan(probe: Feedback, user) -> str:
    start = probe.feedback_time - dt.timedelta(days=90)
    qs = (
        feedback_visible_to(user)
        .filter(
            Q(contact_phone=probe.contact_phone)
            | Q(product_model_id=probe.product_model_id, fault_phenomenon_id=probe.fault_phenomenon_id),
            feedback_time__gte=start,
            feedback_time__lte=probe.feedback_time,
        )
        .order_by("-feedback_time")[:10]
    )
    return qs.explain()


# --- integration API ----------------------------------------------------------------------------------------------
def bench_api(data: dict) -> list[Result]:
    from intake.integrations import integration_create

    _integration, token = integration_create(
        actor=data["admin"], name="在线客服平台", channel="online_chat", rate_per_minute=100_000
    )
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "customer_name": "王先生",
        "contact_phone": "13712345678",
        "product_model": data["models"][3].code,
        "purchase_date": "2026-01-15",
        "description": "空调制冷效果差",
        "customer_requests": ["repair"],
    }
    client = Client()

    def create():
        response = client.post(
            "/api/intake/feedback/", body, content_type="application/json", headers=headers
        )
        assert response.status_code == 201, response.content

    size = f"{TOTAL:,} feedbacks"
    results = [measure("integration API: create (one client)", create, size=size, repeat=30)]

    numbers: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(API_CLIENTS)

    def worker(n: int) -> None:
        own = Client()
        barrier.wait()
        for i in range(API_PER_CLIENT):
            started = time.perf_counter()
            response = own.post(
                "/api/intake/feedback/",
                {**body, "contact_phone": f"1370{n:03d}{i:04d}"},
                content_type="application/json",
                headers={**headers, "Idempotency-Key": f"bench-{n}-{i}"},
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 201, response.content
            with lock:
                numbers.append(response.json()["number"])
                latencies.append(elapsed)
        connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(API_CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    total = API_CLIENTS * API_PER_CLIENT
    assert len(numbers) == total and len(set(numbers)) == total, "duplicate PF numbers"
    assert Feedback.objects.filter(number__in=numbers).count() == total
    latencies.sort()
    results.append(
        Result(
            name=f"integration API: create, {API_CLIENTS} concurrent clients",
            size=f"{total} requests",
            median_s=statistics.median(latencies),
            min_s=latencies[0],
            max_s=latencies[-1],
            repeat=total,
            ops=1,
            note=f"throughput {total / wall:.1f} req/s over {wall:.1f} s wall, p95 {latencies[int(total * 0.95)] * 1000:.0f} ms, {len(set(numbers))} distinct PF numbers",
            times_s=[wall],
        )
    )
    print("  " + results[-1].line(), flush=True)
    return results


# --- the Excel import -------------------------------------------------------------------------------------------
def _workbook(models: list[ProductModel]) -> bytes:
    from openpyxl import Workbook

    from intake.excel_columns import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("反馈登记")
    sheet.append([c.header for c in COLUMNS])
    for n in range(IMPORT_ROWS):
        values = {
            "customer_name": f"客户{n}",
            "contact_phone": f"136{n:08d}",
            "contact_email": "",
            "product_model": models[n % len(models)].code,
            "serial_number": f"B{n % 50}",
            "purchase_date": "2026-01-15",
            "feedback_time": "2026-05-10 14:30",
            "channel": "经销商/门店",
            "channel_detail": "华东区专卖店",
            "description": "空调制冷效果差，出风口温度18℃",
            "customer_requests": "维修",
        }
        sheet.append([values[c.field] for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class _PeakRss:
    """The process's resident memory, sampled every 20 ms while a block runs: its peak above the start."""

    def __enter__(self):
        self.start = self.peak = self._rss()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _rss(self) -> int:
        with open(f"/proc/{os.getpid()}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self._rss())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def kib(self) -> float:
        return (self.peak - self.start) / 1024


def bench_import(data: dict) -> list[Result]:
    from intake.imports import batch_check, batch_import, batch_import_start, batch_upload
    from intake.models import ImportBatch

    agent = data["agent"]
    content = _workbook(data["models"])
    results = []
    before = Feedback.objects.count()

    def timed(name: str, fn, *, note: str) -> object:
        with _PeakRss() as memory:
            started = time.perf_counter()
            value = fn()
            elapsed = time.perf_counter() - started
        results.append(
            Result(
                name=name,
                size=f"{IMPORT_ROWS:,} rows, {len(content) / 1024 / 1024:.1f} MB, on {TOTAL:,} feedbacks",
                median_s=elapsed,
                min_s=elapsed,
                max_s=elapsed,
                repeat=1,
                ops=IMPORT_ROWS,
                peak_kib=memory.kib,
                note=note,
                times_s=[elapsed],
            )
        )
        print("  " + results[-1].line(), flush=True)
        return value

    batch = timed(
        "Excel import: upload + check (preview)",
        lambda: batch_check(batch_upload(actor=agent, upload=SimpleUploadedFile("bench.xlsx", content)).pk),
        note="peak = resident memory above the start (sampled)",
    )
    assert batch.state == ImportBatch.State.READY and batch.good_rows == IMPORT_ROWS, (
        batch.state,
        batch.message,
    )
    batch_import_start(batch=batch, actor=agent, include_duplicates=False)
    batch = timed(
        "Excel import: import (one transaction, feedback_register per row)",
        lambda: batch_import(batch.pk),
        note="registration, PF number, history and clocks per row; peak = resident memory above the start",
    )
    assert batch.state == ImportBatch.State.IMPORTED, batch.message
    assert Feedback.objects.count() == before + IMPORT_ROWS
    return results


@override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False, INTAKE_IMPORT_MAX_ROWS=20_000)
def run() -> list[Result]:
    data = build()
    assert Feedback.objects.count() == TOTAL
    return [*bench_similar(data), *bench_api(data), *bench_import(data)]
