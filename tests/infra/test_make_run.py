"""`make run` (scripts/run.py) from nothing, on the server-less path: a new SQLite file, the filesystem:// broker.

It migrates and seeds, prints one demo account per role with a password that really logs in, serves the Chinese
login page and each role's daily pages (logged in through the form), runs the Celery worker and beat (beat's SLA sweep reaches the worker and succeeds), and on SIGTERM
stops every process it started."""

import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import check_password
from django.test import override_settings

from accounts.roles import Role

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# What the test process's settings put into os.environ must not leak into the system under test.
NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_BROKER_TRANSPORT_OPTIONS",
    "SECRET_KEY",
    "DEBUG",
    "EMAIL_BACKEND",
    "REDIS_URL",
    "RUN_PORT",
    "RUN_DIR",
    "RUN_BROKER",
    "SITE_URL",
    "PYTEST_XDIST_WORKER",
    "PYTEST_CURRENT_TEST",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Output:
    """The merged output of the process, collected by a thread, searchable while it runs."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for raw in iter(stream.readline, b""):
            self.lines.append(raw.decode("utf-8", errors="replace").rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, process: subprocess.Popen, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.text, re.MULTILINE)
            if match:
                return match
            if process.poll() is not None:
                time.sleep(0.5)  # let the reader drain
                pytest.fail(f"run.py exited ({process.returncode}) before {pattern!r}:\n{self.tail()}")
            time.sleep(0.2)
        pytest.fail(f"no {pattern!r} after {timeout}s:\n{self.tail()}")

    def tail(self, n: int = 80) -> str:
        return "\n".join(self.lines[-n:])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except OSError:
        return 0, ""


def logged_in_get(port: int, username: str, password: str, paths: list[str]) -> dict[str, tuple[int, str]]:
    """Log in through the login form (cookie and CSRF token as a browser has them), then open ``paths``."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    base = f"http://127.0.0.1:{port}"
    with opener.open(f"{base}/login/", timeout=10) as response:
        form = response.read().decode("utf-8")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    with opener.open(
        urllib.request.Request(f"{base}/login/", data=data.encode(), method="POST"), timeout=10
    ) as r:
        assert "/login/" not in r.geturl(), f"{username} could not log in"
    pages = {}
    for path in paths:
        try:
            with opener.open(f"{base}{path}", timeout=30) as response:
                pages[path] = (response.status, response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            pages[path] = (error.code, "")
    return pages


def password_candidates(output: str, usernames: list[str]) -> list[str]:
    """Words printed next to 'password'/'密码' or on a demo user's line: where a password would be."""
    found: list[str] = []
    for line in output.splitlines():
        text = re.sub(r"^\[\w+\]\s*", "", line)
        keyword = re.search(r"password|密码|口令", text, re.IGNORECASE)
        on_user_line = any(re.search(rf"(?<![\w-]){re.escape(u)}(?![\w-])", text) for u in usernames)
        if not (keyword or on_user_line):
            continue
        words = re.split(r"[\s:：,，;；|()（）]+", text[keyword.end() :] if keyword else text)
        found += [w for w in words if len(w) >= 4 and w not in usernames and w not in found]
    return found


def demo_users_by_role(db_path: Path) -> dict[str, list[tuple[str, str]]]:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute(
            "SELECT g.name, u.username, u.password FROM accounts_user u "
            "JOIN accounts_user_groups ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id "
            "WHERE u.is_active"
        ).fetchall()
    users: dict[str, list[tuple[str, str]]] = {}
    for role, username, encoded in rows:
        users.setdefault(role, []).append((username, encoded))
    return users


def process_group_gone(pgid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_make_run_serves_chinese_login_runs_worker_and_beat_and_stops_everything_on_sigterm(tmp_path):
    # given a machine where no Redis answers and no database exists yet
    port = free_port()
    db_path = tmp_path / "demo.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        RUN_PORT=str(port),
        RUN_DIR=str(tmp_path / "run"),
        RUN_BROKER="filesystem",
        REDIS_URL="redis://127.0.0.1:1/0",
        DATABASE_URL=f"sqlite:///{db_path}",
        SLA_SWEEP_SECONDS="2",
        MEDIA_ROOT=str(tmp_path / "media"),
    )

    # when `make run` starts (what it runs after set-up)
    process = subprocess.Popen(
        [sys.executable, "scripts/run.py"],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output = Output(process.stdout)
    try:
        pids = output.wait_for(
            r"^\[run\] worker pid (\d+), beat pid (\d+), web pid (\d+)", process, timeout=180
        )
        worker_pid, beat_pid, web_pid = (int(p) for p in pids.groups())

        # then the login page answers in Chinese
        deadline = time.monotonic() + 60
        status, body = get(f"http://127.0.0.1:{port}/login/")
        while status != 200 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.3)
            status, body = get(f"http://127.0.0.1:{port}/login/")
        assert status == 200, output.tail()
        assert 'lang="zh-hans"' in body and "登录" in body

        # the broker it chose is the server-less one, and it says so
        assert re.search(r"^\[run\] broker: kombu filesystem://", output.text, re.MULTILINE)
        assert (tmp_path / "run" / "broker" / "queue").is_dir()

        # the worker and beat started, and beat's SLA sweep went through the broker to the worker
        output.wait_for(r"^\[worker\] .*ready\.", process, timeout=60)
        output.wait_for(r"^\[beat\] .*beat: Starting", process, timeout=60)
        output.wait_for(
            r"^\[worker\] .*Task sla\.tasks\.sweep_clocks\[[^\]]+\] succeeded", process, timeout=60
        )
        assert (tmp_path / "run" / "celerybeat-schedule").exists() or list(
            (tmp_path / "run").glob("celerybeat*")
        )

        # one demo account per role is printed, with a password that matches the account
        users = demo_users_by_role(db_path)
        assert set(users) >= set(Role.values), f"roles without a demo user: {set(Role.values) - set(users)}"
        printed = {
            role: [(u, h) for u, h in accounts if re.search(rf"\b{re.escape(u)}\b", output.text)]
            for role, accounts in users.items()
        }
        assert all(printed[role] for role in Role.values), f"no demo user printed for some role: {printed}"
        candidates = password_candidates(output.text, [u for accounts in users.values() for u, _ in accounts])
        passwords = {}
        with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
            for role in Role.values:
                username, encoded = printed[role][0]
                match = next((c for c in candidates if check_password(c, encoded)), None)
                assert match, f"no printed password logs {username} ({role}) in; candidates {candidates}"
                candidates.remove(match)
                candidates.insert(0, match)  # the next role's user most likely has the same one
                passwords[role] = (username, match)

        # each role's daily pages answer on this embedded database, the detail of a record in the loop included
        with contextlib.closing(sqlite3.connect(db_path)) as conn:
            (feedback,) = conn.execute(
                "SELECT number FROM feedback_feedback WHERE capa_id IS NOT NULL ORDER BY id LIMIT 1"
            ).fetchone()
            (capa,) = conn.execute(
                "SELECT number FROM corrective_actions_capa ORDER BY id LIMIT 1"
            ).fetchone()
        daily = {
            Role.CS_AGENT: ["/", "/feedback/", "/feedback/new/", "/notifications/"],
            Role.QUALITY_ENGINEER: ["/", "/feedback/", f"/feedback/{feedback}/", "/capa/", f"/capa/{capa}/"],
            Role.DEPT_HEAD: ["/", "/capa/"],
            Role.MANAGEMENT: ["/reports/dashboard/", "/reports/runs/"],
            Role.ADMINISTRATOR: ["/", "/calendar/"],
        }
        for role, paths in daily.items():
            username, password = passwords[role]
            for path, (status, _body) in logged_in_get(port, username, password, paths).items():
                assert status == 200, f"{path} as {username} ({role}): {status}\n{output.tail(40)}"
    finally:
        # when it gets SIGTERM
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise

    # then it stops cleanly, and nothing it started is left: not the children, not the worker's pool
    assert returncode == 0, output.tail()
    output.wait_for(r"^\[run\] all stopped", process, timeout=5)
    for name, pid in (("worker", worker_pid), ("beat", beat_pid), ("web", web_pid)):
        assert process_group_gone(pid), f"{name} (process group {pid}) still running"
    assert get(f"http://127.0.0.1:{port}/login/")[0] == 0


def test_run_refuses_a_port_in_use_with_a_clear_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        env.update(RUN_PORT=str(port), RUN_DIR=str(tmp_path / "run"), DATABASE_URL=f"sqlite:///{tmp_path}/db")

        result = subprocess.run(
            [sys.executable, "scripts/run.py"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 1
    assert f"127.0.0.1:{port} is in use" in result.stdout
    assert not (tmp_path / "db").exists()  # it stopped before touching anything
