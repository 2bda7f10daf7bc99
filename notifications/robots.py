"""Posting to group-chat robots: each platform's message format and signature, and one HTTP POST.

The three platforms' custom-robot webhooks, as their documentation describes them:

* **WeCom 企业微信 群机器人** (https://developer.work.weixin.qq.com/document/path/91770): POST JSON to the webhook
  address (``…/cgi-bin/webhook/send?key=…``; the key in the address is the credential, there is no signature);
  ``{"msgtype": "markdown", "markdown": {"content": …}}`` (content at most 4096 bytes); the answer is
  ``{"errcode": 0, "errmsg": "ok"}``, any other errcode is an error (45009: over the limit of 20 messages a minute).
* **DingTalk 钉钉 自定义机器人, 加签** (https://open.dingtalk.com/document/robots/customize-robot-security-settings):
  ``timestamp`` is the current time in milliseconds; the string to sign is ``timestamp + "\\n" + secret``; it is
  signed with HmacSHA256 *keyed with the secret*, Base64-encoded, then URL-encoded, and ``&timestamp=…&sign=…`` are
  added to the webhook address (refused when more than an hour off). Message
  (https://open.dingtalk.com/document/robots/custom-robot-access): ``{"msgtype": "markdown", "markdown": {"title": …,
  "text": …}}``; the answer is ``{"errcode": 0, "errmsg": "ok"}`` (310000: sign not match; 130101: too fast).
* **Feishu 飞书 自定义机器人, 签名校验** (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot): ``timestamp``
  in *seconds*; ``timestamp + "\\n" + secret`` is the HmacSHA256 *key*, the message signed is empty, the digest is
  Base64-encoded; ``timestamp`` and ``sign`` go into the JSON body next to ``msg_type``. We post an interactive
  card (``"msg_type": "interactive"``); the answer is ``{"code": 0, …}`` (older robots answer
  ``{"StatusCode": 0}``; 19021: sign match fail or timestamp not within one hour).

tests/notifications/robot_receiver.py checks exactly these schemes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from .models import Platform, Robot, RobotMessage

WECOM_MAX_BYTES = 4096


class RobotError(Exception):
    """The robot did not take the message: unreachable, timed out, an HTTP error, or an error code."""


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: Base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")), URL-encoded by the caller."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu: Base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _lines(message: RobotMessage) -> tuple[str, list[str]]:
    """The message's title and its lines (what happened, the deadline, the record), in the site's language:
    a group chat is read by everyone in it."""
    with translation.override(settings.LANGUAGE_CODE):
        lines = [message.text] if message.text and message.text != message.title else []
        if message.deadline:
            due = timezone.localtime(message.deadline).strftime("%Y-%m-%d %H:%M")
            lines.append(gettext("Deadline: %(due)s") % {"due": due})
        title = message.title
        if message.urgent:
            title = gettext("[Urgent] %(subject)s") % {"subject": title}
        link_label = (
            gettext("Open %(record)s") % {"record": message.reference}
            if message.reference
            else gettext("Open")
        )
    return title, [*lines, link_label]


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL.rstrip('/')}{url}"


def _truncate_utf8(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def build_request(robot: Robot, message: RobotMessage, *, now: float | None = None) -> Outgoing:
    """The POST for ``message`` on ``robot``'s platform, signed when the robot has a secret."""
    now = time.time() if now is None else now
    title, lines = _lines(message)
    link_label = lines.pop()
    url = _absolute(message.url)
    if robot.platform == Platform.WECOM:
        colour = "warning" if message.urgent else "info"
        content = f'## <font color="{colour}">{title}</font>\n' + "".join(f"> {line}\n" for line in lines)
        if url:
            content += f"[{link_label}]({url})"
        payload = {"msgtype": "markdown", "markdown": {"content": _truncate_utf8(content, WECOM_MAX_BYTES)}}
        return Outgoing(robot.webhook_url, json.dumps(payload, ensure_ascii=False).encode())
    if robot.platform == Platform.DINGTALK:
        text = f"### {title}\n\n" + "".join(f"{line}\n\n" for line in lines)
        if url:
            text += f"[{link_label}]({url})"
        payload = {"msgtype": "markdown", "markdown": {"title": title[:60], "text": text}}
        target = robot.webhook_url
        if robot.secret:
            timestamp = int(now * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(robot.secret, timestamp))
            target += ("&" if "?" in target else "?") + f"timestamp={timestamp}&sign={sign}"
        return Outgoing(target, json.dumps(payload, ensure_ascii=False).encode())
    # Feishu: an interactive card, red for urgent.
    elements: list[dict] = [
        {"tag": "div", "text": {"tag": "lark_md", "content": "\n".join(lines) or title}},
    ]
    if url:
        elements.append(
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "text": {"tag": "plain_text", "content": link_label},
                        "url": url,
                        "type": "primary",
                    }
                ],
            }
        )
    payload = {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": title},
                "template": "red" if message.urgent else "blue",
            },
            "elements": elements,
        },
    }
    if robot.secret:
        timestamp = int(now)
        payload = {"timestamp": str(timestamp), "sign": feishu_sign(robot.secret, timestamp), **payload}
    return Outgoing(robot.webhook_url, json.dumps(payload, ensure_ascii=False).encode())


def _answer_error(platform: str, answer: dict) -> str | None:
    """The error in a robot's JSON answer, or None when it took the message."""
    if platform == Platform.FEISHU:
        code = answer.get("code", answer.get("StatusCode"))
        message = answer.get("msg") or answer.get("StatusMessage") or ""
    else:
        code = answer.get("errcode")
        message = answer.get("errmsg") or ""
    if code in (0, "0"):
        return None
    return (
        f"{code}: {message}".strip() if code is not None else f"unexpected answer: {json.dumps(answer)[:200]}"
    )


def post(robot: Robot, message: RobotMessage) -> None:
    """Send ``message`` to ``robot``; raises RobotError with what went wrong."""
    outgoing = build_request(robot, message)
    request = urllib.request.Request(
        outgoing.url,
        data=outgoing.body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.ROBOT_TIMEOUT_SECONDS) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as error:
        raise RobotError(f"HTTP {error.code} {error.reason}") from error
    except TimeoutError as error:
        raise RobotError(f"timed out after {settings.ROBOT_TIMEOUT_SECONDS} s") from error
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            raise RobotError(f"timed out after {settings.ROBOT_TIMEOUT_SECONDS} s") from error
        raise RobotError(f"unreachable: {reason}") from error
    except OSError as error:
        raise RobotError(f"unreachable: {error}") from error
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RobotError(f"not a JSON answer: {raw[:200]!r}") from error
    if not isinstance(answer, dict):
        raise RobotError(f"unexpected answer: {raw[:200]!r}")
    problem = _answer_error(robot.platform, answer)
    if problem:
        raise RobotError(problem)
