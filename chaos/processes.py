"""The system under test, as production runs it: gunicorn (web), a Celery worker and Celery beat, each its own
process group, logging to a file, on the private PostgreSQL and Redis."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class Process:
    def __init__(self, name: str, argv: list[str], env: dict, logs: Path):
        self.name, self.argv, self.env = name, argv, env
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> Process:
        self.starts += 1
        log = open(self.log_path, "a")  # noqa: SIM115 - the child holds it
        log.write(f"\n===== start {self.starts} =====\n")
        log.flush()
        self.process = subprocess.Popen(
            self.argv,
            cwd=BASE_DIR,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_log(self, pattern: str, timeout: float, since: int = 0) -> int:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern, re.MULTILINE)
        while time.monotonic() < deadline:
            text = self.log()
            match = regex.search(text, since)
            if match:
                return match.end()
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{text[-3000:]}")
            time.sleep(0.05)
        raise TimeoutError(f"{self.name}: no {pattern!r} after {timeout}s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the whole process group (a worker's pool included): a crash, not a shutdown."""
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if self.process:
                os.killpg(self.process.pid, signal.SIGKILL)


def web(env: dict, logs: Path, port: int) -> Process:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--workers=2",
        "--worker-class=gthread",
        "--threads=4",
        "--timeout=60",
        "--graceful-timeout=2",
    ]
    return Process("web", argv, env, logs)


def _celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", *args, "--loglevel=INFO"]


def worker(env: dict, logs: Path, name: str = "worker") -> Process:
    argv = [
        *_celery("worker"),
        "--concurrency=1",
        f"--hostname={name}@chaos",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return Process(name, argv, env, logs)


def beat(env: dict, logs: Path, name: str = "beat") -> Process:
    schedule = logs / f"{name}-schedule"
    argv = [*_celery("beat"), f"--schedule={schedule}"]
    return Process(name, argv, env, logs)
