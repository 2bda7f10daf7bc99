"""Issue 11, finding 1: `make run` answers a burst. 50 registration forms opened at once, then 50 registrations
sent at once, each on a new connection, all get their answer and all 50 are saved with 50 PF numbers (Django's
development server reset 11 to 23 of 50 connections of the second burst here). `make run` serves through gunicorn
(threads) with SQLite in WAL mode and a busy timeout, static files by WhiteNoise; this starts it as `make run`
does (scripts/run.py) on a new SQLite file and the server-less broker."""

import contextlib
import http.client
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.infra.test_make_run import NOT_INHERITED, Output, free_port

BASE_DIR = Path(__file__).resolve().parent.parent.parent
BURST = 50


def _request(port: int, method: str, path: str, body: str = "", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _cookies(headers) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {k: m.value for k, m in jar.items()}


def _log_in(port: int, username: str, password: str) -> str:
    status, headers, body = _request(port, "GET", "/login/")
    assert status == 200
    cookies = _cookies(headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, headers, _ = _request(
        port,
        "POST",
        "/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
    )
    assert status == 302, "the demo agent could not log in"
    return _cookies(headers)["sessionid"]


def _burst(call) -> list[object]:
    """``call(i)`` from BURST threads released at the same moment; what each got (a status, or the error)."""
    barrier = threading.Barrier(BURST)
    answers: list[object] = [None] * BURST

    def run(i: int) -> None:
        barrier.wait()
        try:
            answers[i] = call(i)
        except OSError as exc:  # a reset or refused connection
            answers[i] = repr(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(BURST)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    return answers


def _failures(answers: list[object], output: Output) -> str:
    failed = [a for a in answers if a not in (200, 302)]
    return f"{len(failed)} of {BURST} connections failed: {failed[:5]}\n{output.tail(30)}"


def _open_registration(port: int, session: str):
    status, _, body = _request(port, "GET", "/feedback/new/", headers={"Cookie": f"sessionid={session}"})
    return status if 'data-testid="registration-form"' in body else f"{status} without the form"


def _registration(page: str, csrf_cookie: str | None) -> dict:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    product_model = re.search(
        r'<select name="product_model"[^>]*>\s*<option value=""[^>]*>[^<]*</option>\s*<option value="(\d+)"',
        page,
    )
    return {"token": token, "csrf": csrf_cookie, "product_model": product_model.group(1)}


def _register(port: int, session: str, form: dict, i: int):
    body = urlencode(
        {
            "csrfmiddlewaretoken": form["token"],
            "customer_name": f"突发客户{i}",
            "contact_phone": "13812345678",
            "product_model": form["product_model"],
            "purchase_date": "2026-01-02",
            "channel": "hotline",
            "description": "空调不制冷",
            "customer_requests": "repair",
            "action": "register",
        }
    )
    cookie = f"sessionid={session}" + (f"; csrftoken={form['csrf']}" if form["csrf"] else "")
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{port}/feedback/new/",
    }
    status, _, _ = _request(port, "POST", "/feedback/new/", body, headers)
    return status


def test_fifty_registrations_opened_and_sent_at_once_all_get_their_answer(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        RUN_PORT=str(port),
        RUN_DIR=str(tmp_path / "run"),
        RUN_BROKER="filesystem",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
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
        output.wait_for(r"^\[run\] .*is running", process, timeout=240)
        session = _log_in(port, "agent", "Demo@2026")
        opened = _burst(lambda i: _open_registration(port, session))
        assert all(a == 200 for a in opened), _failures(opened, output)

        status, headers, body = _request(
            port, "GET", "/feedback/new/", headers={"Cookie": f"sessionid={session}"}
        )
        form = _registration(body, _cookies(headers).get("csrftoken"))
        sent = _burst(lambda i: _register(port, session, form, i))
        assert all(a == 302 for a in sent), _failures(sent, output)
        with contextlib.closing(sqlite3.connect(tmp_path / "demo.sqlite3")) as db:
            numbers = [
                n
                for (n,) in db.execute(
                    "SELECT number FROM feedback_feedback WHERE customer_name LIKE '突发客户%'"
                )
            ]
        assert len(numbers) == len(set(numbers)) == BURST

        # the static files are served by the same server (WhiteNoise), no collectstatic needed
        status, headers, _ = _request(port, "GET", "/static/vendor/bootstrap/css/bootstrap.min.css")
        assert status == 200 and dict(headers).get("Content-Type", "").startswith("text/css")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
