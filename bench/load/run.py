"""`make load`: LOAD_USERS (50) people for LOAD_SECONDS (60) of mixed traffic (bench/load/locustfile.py: list,
detail, registration, lifecycle actions, the bell) against gunicorn on PostgreSQL, loopback only, bounded in
time; 0 errors expected; requests per second and the 95th percentile go to bench-results/load.json.

The database is BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/aftersales_bench by default; its name must
start with aftersales_bench: it is dropped and re-created), with the demo data. The machine may be shared: the
figures say what this machine gave at that moment."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.run import DEFAULT_URL, recreate_database  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, log, *, workers: int = 2, threads: int = 8) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:``port`` (gthread workers), in its own session; stop it with ``.terminate()``."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=gthread",
            f"--threads={threads}",
            "--timeout=60",
            # longer than the clients' idle time: a reused connection the server already closed would be reset
            f"--keep-alive={os.environ.get('LOAD_KEEPALIVE', '75')}",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port} after {seconds:.0f} s")


def main() -> int:
    users = int(os.environ.get("LOAD_USERS", "50"))
    seconds = int(os.environ.get("LOAD_SECONDS", "60"))
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    out = BASE_DIR / "bench-results"
    out.mkdir(exist_ok=True)
    recreate_database(url)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY")},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": "memory://localhost//",
        "CACHE_URL": "dbcache://django_cache",
        "LOGIN_IP_FAILURES": "100000",
        "MEDIA_ROOT": str(out / "load-media"),
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["createcachetable"], ["seed_demo"]):
        subprocess.run([*manage, *command], cwd=BASE_DIR, env=env, check=True, capture_output=True)
    port = free_port()
    web_log = open(out / "load-web.log", "w")  # noqa: SIM115
    web = start_gunicorn(env, port, web_log)
    try:
        wait_for_port(port)
        prefix = out / "load"
        locust = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "-u",
                str(users),
                "-r",
                os.environ.get("LOAD_SPAWN_RATE", "10"),
                "-t",
                f"{seconds}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--only-summary",
                "--stop-timeout",
                "10",
                "--exit-code-on-error",
                "0",
            ],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        sys.stdout.write(locust.stdout[-6000:] + locust.stderr[-3000:])
    finally:
        web.terminate()
        web.wait(30)
        web_log.close()
    with open(f"{prefix}_stats.csv") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    figures = {
        "users": users,
        "seconds": seconds,
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "requests_per_second": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "per_request": {
            r["Name"]: {
                "count": int(r["Request Count"]),
                "errors": int(r["Failure Count"]),
                "p95_ms": float(r["95%"]),
            }
            for r in rows
            if r["Name"] != "Aggregated"
        },
        "spawn_rate_per_second": float(os.environ.get("LOAD_SPAWN_RATE", "10")),
        "server": "gunicorn 2 processes x 8 threads (keep-alive 75 s), PostgreSQL, loopback; a shared 2-core machine",
    }
    (out / "load.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    sys.stdout.write(
        f"\nload: {figures['requests']} requests in {seconds}s by {users} users: {figures['requests_per_second']} req/s, "
        f"p95 {figures['p95_ms']:.0f} ms, errors {figures['errors']}\n"
    )
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
