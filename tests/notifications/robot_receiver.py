"""A local stand-in for the three platforms' robot webhooks: it checks each request's signature the way the
platform documents it (see notifications/robots.py for the links), records what arrived, and answers as told:
``ok``, the platform's own error answer, an HTTP 500, or no answer at all for a while (a timeout).

    receiver = RobotReceiver(secret="SEC123")
    receiver.url("dingtalk")          # http://127.0.0.1:<port>/dingtalk/robot/send?access_token=tok
    receiver.script("dingtalk", ["error", "error", "ok"])   # answers of the next three requests
    receiver.received                 # [Received(platform, payload, signature_ok, problem), …]
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "tok-dingtalk"
FEISHU_HOOK = "hook-feishu-0123"
ERRORS = {
    "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
    "dingtalk": {"errcode": 130101, "errmsg": "send too fast"},
    "feishu": {"code": 9499, "msg": "Bad Request", "data": {}},
}


@dataclass
class Received:
    platform: str
    payload: dict
    signature_ok: bool
    problem: str = ""


class RobotReceiver:
    def __init__(self, *, secret: str = "SECtest-secret-0001", hang_seconds: float = 5.0) -> None:
        self.secret = secret
        self.hang_seconds = hang_seconds
        self.received: list[Received] = []
        self._scripts: dict[str, deque] = {"wecom": deque(), "dingtalk": deque(), "feishu": deque()}
        self.release = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                receiver._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, platform: str) -> str:
        return {
            "wecom": f"{self.base}/cgi-bin/webhook/send?key={WECOM_KEY}",
            "dingtalk": f"{self.base}/robot/send?access_token={DINGTALK_TOKEN}",
            "feishu": f"{self.base}/open-apis/bot/v2/hook/{FEISHU_HOOK}",
        }[platform]

    def script(self, platform: str, answers: list[str]) -> None:
        with self._lock:
            self._scripts[platform].extend(answers)

    def of(self, platform: str) -> list[Received]:
        return [r for r in self.received if r.platform == platform]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # --- one request ------------------------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(request.path)
        query = urllib.parse.parse_qs(parts.query)
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            payload = {}
        if parts.path == "/cgi-bin/webhook/send":
            platform = "wecom"
            ok, problem = self._check_wecom(query, payload)
        elif parts.path == "/robot/send":
            platform = "dingtalk"
            ok, problem = self._check_dingtalk(query, payload)
        elif parts.path == f"/open-apis/bot/v2/hook/{FEISHU_HOOK}":
            platform = "feishu"
            ok, problem = self._check_feishu(payload)
        else:
            request.send_response(404)
            request.end_headers()
            return
        with self._lock:
            self.received.append(Received(platform, payload, ok, problem))
            answer = self._scripts[platform].popleft() if self._scripts[platform] else "ok"
        if answer == "hang":
            self.release.wait(self.hang_seconds)
        if answer == "http500":
            self._reply(request, 500, {"error": "internal"})
        elif not ok:
            self._reply(request, 200, self._signature_error(platform, problem))
        elif answer == "error":
            self._reply(request, 200, ERRORS[platform])
        else:
            self._reply(
                request,
                200,
                {"code": 0, "msg": "success", "data": {}}
                if platform == "feishu"
                else {"errcode": 0, "errmsg": "ok"},
            )

    @staticmethod
    def _reply(request, status: int, answer: dict) -> None:
        data = json.dumps(answer).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the sender gave up waiting (a timeout)
            pass

    @staticmethod
    def _signature_error(platform: str, problem: str) -> dict:
        if platform == "dingtalk":
            return {"errcode": 310000, "errmsg": f"sign not match: {problem}"}
        if platform == "feishu":
            return {
                "code": 19021,
                "msg": f"sign match fail or timestamp is not within one hour: {problem}",
                "data": {},
            }
        return {"errcode": 93000, "errmsg": f"invalid webhook url: {problem}"}

    # WeCom: the key in the address is the credential; a markdown message has msgtype and markdown.content.
    def _check_wecom(self, query: dict, payload: dict) -> tuple[bool, str]:
        if query.get("key") != [WECOM_KEY]:
            return False, "wrong key"
        if payload.get("msgtype") != "markdown" or not payload.get("markdown", {}).get("content"):
            return False, "not a markdown message"
        if len(payload["markdown"]["content"].encode()) > 4096:
            return False, "content over 4096 bytes"
        return True, ""

    # DingTalk 加签: sign = urlencode(base64(HmacSHA256(key=secret, msg=timestamp + "\n" + secret))), timestamp in ms
    # and at most an hour off.
    def _check_dingtalk(self, query: dict, payload: dict) -> tuple[bool, str]:
        if query.get("access_token") != [DINGTALK_TOKEN]:
            return False, "wrong access_token"
        timestamp = (query.get("timestamp") or [""])[0]
        sign = (query.get("sign") or [""])[0]  # parse_qs has URL-decoded it once
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
            return False, "timestamp missing or more than an hour off"
        expected = base64.b64encode(
            hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(sign, expected):
            return False, "signature does not match"
        if payload.get("msgtype") != "markdown" or not payload.get("markdown", {}).get("text"):
            return False, "not a markdown message"
        return True, ""

    # Feishu 签名校验: sign = base64(HmacSHA256(key=timestamp + "\n" + secret, msg="")), timestamp in seconds, both in
    # the JSON body.
    def _check_feishu(self, payload: dict) -> tuple[bool, str]:
        timestamp = str(payload.get("timestamp") or "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 3600:
            return False, "timestamp missing or more than an hour off"
        expected = base64.b64encode(
            hmac.new(f"{timestamp}\n{self.secret}".encode(), b"", hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(str(payload.get("sign") or ""), expected):
            return False, "signature does not match"
        if payload.get("msg_type") not in ("interactive", "text", "post"):
            return False, "unknown msg_type"
        return True, ""
