"""Registration throughput through the HTTP form: ``REG_CLIENTS`` (8) customer-service agents at once, each
registering ``REG_PER_CLIENT`` (50) feedbacks as a person does (open the form, post it, follow nothing), against
gunicorn (bench/load/run.py's: 2 processes × 8 threads) on the bench PostgreSQL database.

Reports registrations per second (the posts; all requests per second in the note) and the median and 95th
percentile of a post, and checks that every post was answered by a redirect to a new feedback, and that no
feedback number was given twice (in the answers and in the database)."""

from __future__ import annotations

import os
import re
import statistics
import threading
import time

import requests
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import User
from accounts.roles import Role
from bench.harness import Result
from bench.load.run import BASE_DIR, free_port, start_gunicorn, wait_for_port
from catalog.models import ProductLine, ProductModel
from feedback.models import Feedback

CLIENTS = int(os.environ.get("REG_CLIENTS", "8"))
PER_CLIENT = int(os.environ.get("REG_PER_CLIENT", "50"))
SOLO = 20  # registrations by one agent alone first: the uncontended figure
PASSWORD = "Bench@2026"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NUMBER = re.compile(r"/feedback/(PF\d+)/")


def build() -> ProductModel:
    call_command("createcachetable", verbosity=0)
    group = Group.objects.get(name=Role.CS_AGENT)
    encoded = make_password(PASSWORD)  # the server runs the bench settings too (a fast hasher)
    for n in range(CLIENTS + 1):
        user = User.objects.create(
            username=f"bench_agent{n}", name=f"客服{n}", email=f"agent{n}@example.com", password=encoded
        )
        user.groups.add(group)
    line = ProductLine.objects.create(code="ac", name="空调")
    return ProductModel.objects.create(line=line, code="KFR-35GW", name="挂式空调 1.5 匹")


class Client(threading.Thread):
    def __init__(self, n: int, base: str, model: ProductModel, start: threading.Barrier, count: int) -> None:
        super().__init__(name=f"registration-client-{n}")
        self.n, self.base, self.model, self.start_together, self.count = n, base, model, start, count
        self.session = requests.Session()
        self.posts: list[float] = []
        self.forms: list[float] = []
        self.numbers: list[str] = []
        self.errors: list[str] = []

    def _token(self, html: str) -> str:
        found = TOKEN.search(html)
        return found.group(1) if found else ""

    def login(self) -> None:
        page = self.session.get(f"{self.base}/login/", timeout=30)
        answer = self.session.post(
            f"{self.base}/login/",
            {
                "username": f"bench_agent{self.n}",
                "password": PASSWORD,
                "csrfmiddlewaretoken": self._token(page.text),
            },
            headers={"Referer": f"{self.base}/login/"},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"client {self.n}: login answered {answer.status_code}")

    def run(self) -> None:
        try:
            self.login()
        except Exception as exc:  # reported by the bench after join()
            self.errors.append(repr(exc))
        self.start_together.wait()
        if self.errors:
            return
        for i in range(self.count):
            try:
                self.register(i)
            except requests.RequestException as exc:
                self.errors.append(repr(exc))

    def register(self, i: int) -> None:
        began = time.perf_counter()
        page = self.session.get(f"{self.base}/feedback/new/", timeout=60)
        posted = time.perf_counter()
        self.forms.append(posted - began)
        answer = self.session.post(
            f"{self.base}/feedback/new/",
            {
                "csrfmiddlewaretoken": self._token(page.text),
                "customer_name": f"压测客户{self.n}-{i}",
                "contact_phone": f"139{self.n:02d}{i:06d}",
                "product_model": str(self.model.pk),
                "purchase_date": "2026-06-01",
                "channel": "hotline",
                "description": "空调制冷效果差，出风口温度偏高",
                "customer_requests": "repair",
                "action": "register",
            },
            headers={"Referer": f"{self.base}/feedback/new/"},
            allow_redirects=False,
            timeout=60,
        )
        self.posts.append(time.perf_counter() - posted)
        found = NUMBER.search(answer.headers.get("Location", ""))
        if answer.status_code != 302 or not found:
            self.errors.append(
                f"{answer.status_code} {answer.headers.get('Location', '')} {answer.text[:200]}"
            )
        else:
            self.numbers.append(found.group(1))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _drive(base: str, model: ProductModel, clients_n: int, per_client: int, first: int = 0) -> dict:
    """``clients_n`` clients (agents ``first`` …) each registering ``per_client`` feedbacks at once."""
    start = threading.Barrier(clients_n + 1)
    clients = [Client(first + n, base, model, start, per_client) for n in range(clients_n)]
    for client in clients:
        client.start()
    start.wait()
    began = time.perf_counter()
    for client in clients:
        client.join()
    wall = time.perf_counter() - began
    errors = [e for c in clients for e in c.errors]
    assert not errors, f"{len(errors)} failed registrations, first: {errors[0]}"
    return {
        "wall": wall,
        "posts": [t for c in clients for t in c.posts],
        "forms": [t for c in clients for t in c.forms],
        "numbers": [n for c in clients for n in c.numbers],
    }


def run() -> list[Result]:
    model = build()
    out = BASE_DIR / "bench-results"
    out.mkdir(exist_ok=True)
    env = {
        **{k: v for k, v in os.environ.items() if k != "DEBUG"},  # BENCH_DATABASE_URL: set by bench/run.py
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOGIN_IP_FAILURES": "100000",
        "PYTHONUNBUFFERED": "1",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(out / "registration-web.log", "w") as log:
        web = start_gunicorn(env, port, log)
        try:
            wait_for_port(port)
            alone = _drive(base, model, 1, SOLO)  # the floor: one agent alone (warms the server up too)
            together = _drive(base, model, CLIENTS, PER_CLIENT, first=1)
        finally:
            web.terminate()
            web.wait(30)

    numbers = alone["numbers"] + together["numbers"]
    assert len(together["numbers"]) == CLIENTS * PER_CLIENT, len(together["numbers"])
    assert len(set(numbers)) == len(numbers), "a feedback number was given twice"
    stored = list(Feedback.objects.values_list("number", flat=True))
    assert len(stored) == len(set(stored)) == len(numbers), (len(stored), len(set(stored)))
    assert set(stored) == set(numbers)

    posts, forms, wall = together["posts"], together["forms"], together["wall"]
    rate = len(posts) / wall
    size = f"{CLIENTS} clients × {PER_CLIENT} registrations, gunicorn 2×8 threads"
    throughput = Result(
        name=f"registration: HTTP form, {CLIENTS} concurrent clients (form + post each)",
        size=size,
        median_s=wall,
        min_s=wall,
        max_s=wall,
        repeat=1,
        ops=len(posts),
        note=(
            f"{rate:.1f} registrations/s ({(len(posts) + len(forms)) / wall:.1f} requests/s; one agent alone: "
            f"{len(alone['posts']) / alone['wall']:.1f}/s); {len(numbers)} numbers, no duplicate"
        ),
        times_s=[wall],
    )
    latency = Result(
        name=f"registration: one post of the form ({CLIENTS} clients at once)",
        size=size,
        median_s=statistics.median(posts),
        min_s=min(posts),
        max_s=max(posts),
        repeat=len(posts),
        note=f"p95 {percentile(posts, 0.95) * 1000:.0f} ms (one agent alone: median "
        f"{statistics.median(alone['posts']) * 1000:.0f} ms, p95 {percentile(alone['posts'], 0.95) * 1000:.0f} ms); "
        f"the form's GET: median {statistics.median(forms) * 1000:.0f} ms, p95 {percentile(forms, 0.95) * 1000:.0f} ms",
        times_s=posts,
    )
    print("  " + throughput.line(), flush=True)
    print("  " + latency.line(), flush=True)
    return [throughput, latency]
