"""What `make run` starts after set-up: the whole system on the embedded default.

1. ``migrate`` and ``seed_demo`` (demo data; it prints one account per role with its password);
2. then, together, each in its own process group, with DJANGO_SETTINGS_MODULE=config.settings.local:
   - web: gunicorn on RUN_HOST:RUN_PORT (127.0.0.1:8000), RUN_WEB_WORKERS processes (2) of RUN_WEB_THREADS
     threads (8) each, so that a burst of new connections is queued and answered, never reset (Django's
     development server reset a third of 50 registrations sent at once). Static files are served by WhiteNoise
     straight from node_modules/ and static/ (its finders: no collectstatic); SQLite runs in WAL mode with a busy
     timeout (config/settings/base.py), so the web processes, the worker and beat share the file;
   - worker: ``celery -A config worker`` (prefork, RUN_WORKER_CONCURRENCY processes, default 1);
   - beat: ``celery -A config beat``, schedule file in RUN_DIR (.run/).
3. Ctrl-C or SIGTERM stops all three (SIGTERM, then SIGKILL to each process group after RUN_STOP_TIMEOUT
   seconds); if one of them dies, the others are stopped and this exits non-zero.

The broker (RUN_BROKER): ``auto`` (default) takes Redis at REDIS_URL (redis://127.0.0.1:6379/0) when it answers a
PING within a second, else kombu's filesystem:// transport in RUN_DIR/broker/ (no server needed); ``filesystem``
always takes the latter, ``redis`` requires Redis. A CELERY_BROKER_URL in the environment is used as it is.
DATABASE_URL is passed through (default: SQLite db.sqlite3 next to the code)."""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS = "config.settings.local"
_print_lock = threading.Lock()


def say(message: str, name: str = "run") -> None:
    with _print_lock:
        for line in message.splitlines() or [""]:
            sys.stdout.write(f"[{name}] {line}\n")
        sys.stdout.flush()


# --- the broker -----------------------------------------------------------------------------------------------
def redis_answers(url: str, timeout: float = 1.0) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout
        ) as s:
            s.settimeout(timeout)
            if parts.password:
                user = parts.username or "default"
                s.sendall(
                    f"*3\r\n$4\r\nAUTH\r\n${len(user)}\r\n{user}\r\n${len(parts.password)}\r\n{parts.password}\r\n".encode()
                )
                if not s.recv(64).startswith(b"+OK"):
                    return False
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def choose_broker(run_dir: Path) -> tuple[str, dict, str]:
    """(broker URL, transport options, what to tell the user)."""
    mode = os.environ.get("RUN_BROKER", "auto").lower()
    if mode not in ("auto", "redis", "filesystem"):
        raise SystemExit(f"[run] RUN_BROKER must be auto, redis or filesystem, not {mode!r}")
    explicit = os.environ.get("CELERY_BROKER_URL")
    if explicit and mode != "filesystem":
        options = json.loads(os.environ.get("CELERY_BROKER_TRANSPORT_OPTIONS") or "{}")
        return explicit, options, f"CELERY_BROKER_URL from the environment ({explicit})"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if mode != "filesystem":
        if redis_answers(redis_url):
            return redis_url, {}, f"Redis at {redis_url} (it answered PING)"
        if mode == "redis":
            raise SystemExit(f"[run] RUN_BROKER=redis but Redis at {redis_url} does not answer")
    folder = run_dir / "broker"
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        # kombu looks at the folder again this long after it found nothing or could not take more (prefetch):
        # its default of 1 s caps a worker at about one task a second, and a backlog (a burst of e-mail nudges)
        # would then delay the SLA sweep for minutes.
        "polling_interval": 0.05,
    }
    why = "RUN_BROKER=filesystem" if mode == "filesystem" else f"Redis at {redis_url} did not answer"
    # "localhost" only keeps kombu from warning that no hostname was given: the transport has no server.
    return "filesystem://localhost//", options, f"kombu filesystem:// in {folder} ({why}; no server needed)"


# --- set-up ---------------------------------------------------------------------------------------------------
def migrate_and_seed() -> str:
    """Migrate, then seed the demo data; returns seed_demo's output (the demo accounts) to show again later."""
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    say(f"database: {connections['default'].settings_dict['NAME']} ({connections['default'].vendor})")
    call_command("migrate", interactive=False, verbosity=1)
    call_command("createcachetable")  # the shared cache of the embedded default (login brakes): a table
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    accounts = out.getvalue()
    say(accounts, "seed")
    connections.close_all()
    return accounts


# --- the children ---------------------------------------------------------------------------------------------
def _die_with_parent() -> None:
    """In the child: get SIGTERM if run.py itself dies without cleaning up (Linux), so nothing is orphaned."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _pump(name: str, stream) -> None:
    for raw in iter(stream.readline, b""):
        say(raw.decode("utf-8", errors="replace").rstrip("\n"), name)
    stream.close()


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def wait_for_port(host: str, port: int, children: dict, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in children.values()):
            return False
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        time.sleep(0.2)
    return False


def stop_all(children: dict[str, subprocess.Popen], timeout: float) -> None:
    for name, proc in children.items():
        if proc.poll() is None:
            say(f"stopping {name} (pid {proc.pid})")
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)  # the main process only: a Celery worker then stops its pool
    deadline = time.monotonic() + timeout
    for name, proc in children.items():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop in {timeout:.0f}s: killing it")
    # whatever is left in the groups (a worker's pool processes, a stuck child) goes now
    for proc in children.values():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)


def main() -> int:
    os.chdir(BASE_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["PYTHONUNBUFFERED"] = "1"
    sys.path.insert(0, str(BASE_DIR))
    run_dir = Path(os.environ.get("RUN_DIR") or BASE_DIR / ".run").resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    host = os.environ.get("RUN_HOST", "127.0.0.1")
    port = int(os.environ.get("RUN_PORT", "8000"))
    stop_timeout = float(os.environ.get("RUN_STOP_TIMEOUT", "10"))
    concurrency = os.environ.get("RUN_WORKER_CONCURRENCY", "1")
    web_workers = os.environ.get("RUN_WEB_WORKERS", "2")
    web_threads = os.environ.get("RUN_WEB_THREADS", "8")

    if not port_free(host, port):
        say(f"ERROR: {host}:{port} is in use (another `make run`?). Stop it or set RUN_PORT=8001.")
        return 1
    broker_url, transport_options, broker_story = choose_broker(run_dir)
    os.environ["CELERY_BROKER_URL"] = broker_url
    os.environ["CELERY_BROKER_TRANSPORT_OPTIONS"] = json.dumps(transport_options)
    os.environ.setdefault("SITE_URL", f"http://{host}:{port}")  # links in e-mails
    say(f"broker: {broker_story}")

    accounts = migrate_and_seed()

    python = sys.executable
    celery = [python, "-m", "celery", "-A", "config"]
    commands = {
        "worker": [
            *celery,
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            "--hostname=run-worker@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [
            *celery,
            "beat",
            "--loglevel=INFO",
            f"--schedule={run_dir / 'celerybeat-schedule'}",
        ],
        "web": [
            python,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind={host}:{port}",
            f"--workers={web_workers}",
            "--worker-class=gthread",
            f"--threads={web_threads}",
            "--timeout=60",
            "--graceful-timeout=5",
            # longer than a browser's idle connection: a reused connection the server already closed is reset
            "--keep-alive=75",
            "--access-logfile=-",
            '--access-logformat=%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        ],
    }
    children: dict[str, subprocess.Popen] = {}
    stopping: list[int] = []

    def on_signal(signum, _frame) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        # Start all three before any reader thread exists (preexec_fn is only safe without threads).
        for name, argv in commands.items():
            children[name] = subprocess.Popen(
                argv,
                cwd=BASE_DIR,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # no reader threads exist yet
            )
        for name, proc in children.items():
            threading.Thread(target=_pump, args=(name, proc.stdout), daemon=True).start()
        say(", ".join(f"{name} pid {proc.pid}" for name, proc in children.items()))

        if wait_for_port(host, port, children) and not stopping:
            url = f"http://{host}:{port}/"
            banner = [
                "=" * 72,
                "售后反馈跟踪 (after-sales feedback tracking) is running",
                f"  open:    {url}",
                f"  web:     gunicorn, {web_workers} process(es) x {web_threads} threads",
                f"  worker:  Celery worker, {concurrency} process(es); broker {broker_story}",
                f"  beat:    Celery beat (SLA sweep, e-mail flush), schedule in {run_dir}",
                "  Ctrl-C stops everything.",
            ]
            if accounts:
                banner += [
                    "  demo accounts (from seed_demo):",
                    *("    " + ln for ln in accounts.splitlines()),
                ]
            say("\n".join([*banner, "=" * 72]))

        exit_code = 0
        while not stopping:
            dead = [(name, proc.returncode) for name, proc in children.items() if proc.poll() is not None]
            if dead:
                name, code = dead[0]
                say(f"ERROR: {name} exited with code {code}; stopping the others")
                exit_code = 1
                break
            time.sleep(0.2)
        else:
            say(f"got {signal.Signals(stopping[0]).name}: stopping")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_all(children, stop_timeout)
    say("all stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
