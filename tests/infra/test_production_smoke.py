"""Production smoke test: gunicorn with the production settings and the collected (hashed, compressed) static
files, behind a proxy that says HTTPS: the login page in Chinese with its security headers and its static files,
a real login, the workspace; plain HTTP is sent to HTTPS except the health probe."""

import http.client
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from accounts.roles import Role
from tests.factories import UserFactory
from tests.fixtures.services import _database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PASSWORD = "Smoke-2026-Prod"
HTTPS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}

pytestmark = pytest.mark.django_db(transaction=True)


def _get(port, path, headers=None, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            method,
            path,
            body=body,
            headers={**HTTPS, **(headers or {})} if headers is not False else {"Host": "127.0.0.1"},
        )
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _cookies(headers: dict) -> dict:
    raw = headers.get("Set-Cookie", "")
    return dict(re.findall(r"(sessionid|csrftoken)=([^;]+)", raw))


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """The production settings' collectstatic, once for the module: hashed names and their manifest. Without the
    gzip/brotli pre-compression (STATIC_COMPRESS=false: minutes of CPU, a build step, not what is tested here)."""
    static_root = tmp_path_factory.mktemp("static")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "sqlite://:memory:",
        "STATIC_ROOT": str(static_root),
        "STATIC_COMPRESS": "false",
    }
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    assert (static_root / "staticfiles.json").exists()
    return static_root


@pytest.fixture
def production(web_server_factory, tmp_path, collected_static):
    static_root = collected_static
    env = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CACHE_URL": "dbcache://django_cache",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root),
        "STATIC_COMPRESS": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    return web_server_factory(workers=2, threads=2, settings_module="config.settings.production", env=env)


def test_production_settings_serve_the_login_page_log_in_and_show_the_workspace(production):
    user = UserFactory(username="smoke", name="冒烟测试", role=Role.QUALITY_ENGINEER)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, secrets.token_hex(8))  # the production hasher
    user.save(update_fields=["password"])
    port = production.port

    status, headers, body = _get(port, "/login/")
    page = body.decode()
    assert status == 200, production.log()[-3000:]
    assert 'lang="zh-hans"' in page and "登录" in page
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert css, "the page names the hashed file of the manifest"
    status, static_headers, _ = _get(port, css.group(1))
    assert status == 200 and "max-age=315360000" in static_headers.get("Cache-Control", "")

    cookies = _cookies(headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, headers, _ = _get(
        port,
        "/login/",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": "https://127.0.0.1/login/",
        },
        method="POST",
        body=urlencode({"username": "smoke", "password": PASSWORD, "csrfmiddlewaretoken": token}),
    )
    assert status == 302, production.log()[-3000:]
    assert "Secure" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
    session = _cookies(headers)["sessionid"]
    status, _, body = _get(port, "/", {"Cookie": f"sessionid={session}"})
    assert status == 200 and "冒烟测试" in body.decode()

    status, _, body = _get(port, "/no-such-page/", {"Cookie": f"sessionid={session}"})
    assert status == 404 and "页面不存在" in body.decode()


def test_plain_http_is_sent_to_https_but_the_health_probe_is_answered(production):
    status, headers, _ = _get(production.port, "/login/", headers=False)
    assert status == 301 and headers["Location"].startswith("https://")
    status, _, body = _get(production.port, "/healthz/?scope=web", headers=False)
    assert status == 200, body
